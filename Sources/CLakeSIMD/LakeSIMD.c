/* The functions of LakeSIMD.h are inline; this unit only gives the target a source file. */
#include "LakeSIMD.h"
