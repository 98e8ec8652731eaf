/* prog-hard-loader.c -- the program keeps glibc's dynamic loader busy on
 * several threads while it is sampled: the shapes that hung the old shim's
 * handler (it waited for the loader's lock the interrupted thread held).
 *
 *   prog-hard-loader MODE SECONDS THREADS [LIBA LIBB]
 *
 * MODE:
 *   dl      dlopen / call / dl_iterate_phdr / dlclose of LIBA and LIBB
 *   iconv   iconv_open / iconv / iconv_close over charsets that live in
 *           gconv modules, which glibc loads and unloads with its internal
 *           dlopen/dlclose (no wrapper of the shim's sees them)
 *   nss     getpwnam and getaddrinfo("localhost"): NSS modules, loaded by
 *           glibc's internal dlopen, and malloc under the loader lock
 * Every thread loops until SECONDS of wall time are over; prints
 * "cycles some" (counts on stderr) and exits 0. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <iconv.h>
#include <link.h>
#include <netdb.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *libs[2];
static double seconds;
static _Atomic long cycles;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_image(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)info;
	(void)size;
	++*(int *)arg;
	return 0;
}

static void one_dl(long i)
{
	void *h = dlopen(libs[i & 1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		exit(3);
	}
	uint64_t (*work)(uint64_t) = (uint64_t(*)(uint64_t))dlsym(h, "hard_dl_work");
	if (!work) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		exit(3);
	}
	work(200);
	if (i % 4 == 0) {
		int n = 0;
		dl_iterate_phdr(count_image, &n);
	}
	if (dlclose(h) != 0) {
		fprintf(stderr, "dlclose: %s\n", dlerror());
		exit(3);
	}
}

static void one_iconv(long i)
{
	static const char *sets[] = { "ISO-8859-2", "KOI8-R", "CP1251", "EUC-JP", "ISO-8859-7" };
	iconv_t cd = iconv_open("UTF-8", sets[i % 5]);
	if (cd == (iconv_t)-1) {
		perror(sets[i % 5]);
		exit(3);
	}
	char in[] = "abc", out[16];
	char *ip = in, *op = out;
	size_t il = 3, ol = sizeof out;
	iconv(cd, &ip, &il, &op, &ol);
	iconv_close(cd);
}

static void one_nss(long i)
{
	if (i & 1) {
		struct passwd pw, *res;
		char buf[4096];
		getpwnam_r("root", &pw, buf, sizeof buf, &res);
	} else {
		struct addrinfo *ai = NULL, hints;
		memset(&hints, 0, sizeof hints);
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo("localhost", "80", &hints, &ai) == 0)
			freeaddrinfo(ai);
	}
}

static void (*one)(long);

static void *worker(void *arg)
{
	long id = (long)arg;
	double end = now() + seconds;
	for (long i = id; now() < end; i++) {
		one(i);
		cycles++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s dl|iconv|nss SECONDS THREADS [LIBA LIBB]\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "dl") && argc >= 6) {
		one = one_dl;
		libs[0] = argv[4];
		libs[1] = argv[5];
	} else if (!strcmp(argv[1], "iconv")) {
		one = one_iconv;
	} else if (!strcmp(argv[1], "nss")) {
		one = one_nss;
	} else {
		fprintf(stderr, "%s: bad mode or missing libraries\n", argv[0]);
		return 2;
	}
	seconds = atof(argv[2]);
	int n = atoi(argv[3]);
	if (n < 1 || n > 64)
		n = 1;
	pthread_t t[64];
	/* the main thread is one of the workers: a single-threaded mode stays
	 * single-threaded */
	for (int i = 1; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(long)i) != 0)
			return 3;
	worker((void *)0L);
	for (int i = 1; i < n; i++)
		pthread_join(t[i], NULL);
	printf("cycles %s\n", cycles > 0 ? "some" : "none");
	fprintf(stderr, "cycles %ld\n", (long)cycles);
	return 0;
}
