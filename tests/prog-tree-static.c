/* prog-tree-static.c -- a statically linked program (the shim cannot enter
 * it), started from a profiled process in tests/tree-unprofiled.sh: it must
 * run normally and say so. */
#include <stdio.h>

int main(void)
{
	printf("static program ran\n");
	return 0;
}
