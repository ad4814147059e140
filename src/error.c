/*
 * error.c - descriptions of the vigie_err codes.
 */
#include "error.h"

const char *vigie_strerror(int err)
{
    switch (err) {
        case VIGIE_OK:
            return "success";
        case VIGIE_ENOMEM:
            return "out of memory";
        case VIGIE_EINVAL:
            return "invalid argument or input";
        case VIGIE_EUTF8:
            return "invalid UTF-8";
        case VIGIE_ETOOLONG:
            return "input too long";
        case VIGIE_EIO:
            return "input/output error";
        case VIGIE_ENOENT:
            return "not found";
        case VIGIE_ELIMIT:
            return "regex match limit reached";
        case VIGIE_ECHECK:
            return "intent files failed validation";
        default:
            return "unknown error";
    }
}
