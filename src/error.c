/* error.c - the text of every error code, from the one table in tide.h. */
#include "tide.h"

const char *tide_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define TIDE__TEXT(name, value, text)                                          \
    case value:                                                                \
        return text;
        TIDE_ERRORS(TIDE__TEXT)
#undef TIDE__TEXT
    default:
        return err <= TIDE_EUSER ? "user error" : "unknown error";
    }
}

const char *tide_errname(int err)
{
    switch (err) {
#define TIDE__NAME(name, value, text)                                          \
    case value:                                                                \
        return "TIDE_" #name;
        TIDE_ERRORS(TIDE__NAME)
#undef TIDE__NAME
    default:
        return NULL;
    }
}
