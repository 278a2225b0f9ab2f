/* The functions of LakeSystem.h are inline; this unit only gives the target a source file. */
#include "LakeSystem.h"
