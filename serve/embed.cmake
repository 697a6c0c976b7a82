# embed.cmake -- turns a file into C source: cmake -DIN=FILE -DOUT=FILE.c
# -DNAME=SYMBOL -P embed.cmake writes
#     const unsigned char SYMBOL[] = { ... };  const size_t SYMBOL_len = N;
# (a NUL follows the bytes, not counted).  Plain CMake, so that no xxd or
# linker trick is needed.  GPL-2.0-or-later.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR bytes "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
# Sixteen bytes a line.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n" body "${body}")
file(WRITE "${OUT}.tmp"
"/* Generated from ${IN} by embed.cmake: do not edit. */\n"
"#include <stddef.h>\n"
"const unsigned char ${NAME}[] = {\n${body}0x00\n};\n"
"const size_t ${NAME}_len = ${bytes};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
