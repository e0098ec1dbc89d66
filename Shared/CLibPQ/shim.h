#ifndef THREEZERO_CLIBPQ_SHIM_H
#define THREEZERO_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
