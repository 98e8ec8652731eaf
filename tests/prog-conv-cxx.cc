// prog-conv-cxx.cc -- C++ for the `sprof convert` tests: a namespace, a
// class template and an always-inlined function between two real ones, so
// the output must show demangled qualified names and an inlined frame
// sharing its caller's address.  Lines marked CALL:x are checked.
//
// Usage: prog-conv-cxx [SECONDS]   (default 0.4)
#include <cstdlib>
#include <ctime>

static volatile double sink;

namespace convns {

template <typename T> struct Accum {
	T base;
	__attribute__((noinline)) T spin(long n)
	{
		T s = base;
		for (long i = 0; i < n; i++)
			s += static_cast<T>(i) * static_cast<T>(0.5);
		return s;
	}
};

static inline __attribute__((always_inline)) double inlined_step(Accum<double> &a, long n)
{
	double r = a.spin(n); // CALL:inl
	sink += r;
	return r;
}

__attribute__((noinline)) double outer(long n)
{
	Accum<double> a{1.0};
	double r = inlined_step(a, n); // CALL:outer
	sink += r;
	return r;
}

} // namespace convns

static double now()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? std::atof(argv[1]) : 0.4;
	double end = now() + seconds;
	while (now() < end)
		convns::outer(20000); // CALL:main
	return 0;
}
