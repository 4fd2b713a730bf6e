/* placeholder */
#include "h5-writer.h"
