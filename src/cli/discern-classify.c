/* placeholder */
#include "discern-classify.h"
int discern_classify_main (int argc, char **argv) { return 2; }
