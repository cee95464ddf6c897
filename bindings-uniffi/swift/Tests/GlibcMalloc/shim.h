// See module.modulemap: glibc's malloc.h for the tests' heap counter.
#include <malloc.h>
