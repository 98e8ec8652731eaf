// prog-sym-cxx.cc -- an -O2 -g C++ program for tests/convert-sym-agree.sh
// and the lambda names of tests/convert-cxx.sh: three lambdas inlined into
// main (two with the same parameter types), a class template, std::sort,
// and libm calls.
//
// Usage: prog-sym-cxx [SECONDS]   (default 0.5)
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace symns {
template <class T> struct Acc {
	T v{};
	__attribute__((noinline)) void add(T x) { v += std::sin(x) * std::cos(x * 0.5); }
};
} // namespace symns

static double now()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

volatile double sink;

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? std::atof(argv[1]) : 0.5;
	double s = 0;
	auto f1 = [&](int i) { for (int k = 0; k < 400; k++) s += std::sin(i + k * 0.5); };
	auto f2 = [&](int i) { for (int k = 0; k < 400; k++) s += std::cos(i * 0.3 + k); };
	auto f3 = [&](double x) { for (int k = 0; k < 400; k++) s += std::sqrt(x + k) * std::exp(-x); };
	symns::Acc<double> acc;
	std::vector<int> v(500);
	double end = now() + seconds;
	for (int r = 0; now() < end; r++) {
		f1(r);
		f2(r);
		f3(r * 0.1);
		acc.add(r);
		for (auto &x : v)
			x = (x * 31 + r) % 1000;
		std::sort(v.begin(), v.end());
	}
	sink = s + acc.v + v[0];
	return 0;
}
