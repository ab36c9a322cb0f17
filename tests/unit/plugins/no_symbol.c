/* A test module without the descriptor: a shared object, but no plugin. */
#include "config.h"

int vd_test_not_a_plugin(void);

int
vd_test_not_a_plugin(void)
{
	return 42;
}
