/* prog-conv-dlopen.c -- dlopen()s the plugin named on the command line and
 * spins in it, so `sprof convert` must symbolize an image that appeared
 * after the start.  Usage: prog-conv-dlopen PLUGIN.so [SECONDS] */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: prog-conv-dlopen PLUGIN.so [SECONDS]\n");
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "prog-conv-dlopen: %s\n", dlerror());
		return 1;
	}
	void (*spin)(double) = (void (*)(double))dlsym(h, "conv_plugin_run");
	if (!spin) {
		fprintf(stderr, "prog-conv-dlopen: %s\n", dlerror());
		return 1;
	}
	spin(argc > 2 ? atof(argv[2]) : 0.4);
	return 0;
}
