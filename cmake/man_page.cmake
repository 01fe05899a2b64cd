# cmake/man_page.cmake: writes the man page racewin.1.gz from racewin's own help text, at build
# time (cmake -P, from cli/CMakeLists.txt): help2man turns `racewin --help` into the page, and a
# COMMANDS section holds each subcommand's --help verbatim (help2man reads only the top level).
# Needs -DRACEWIN= -DHELP2MAN= -DVERSION= -DOUT= (the .gz to write).
foreach(var RACEWIN HELP2MAN VERSION OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "man_page.cmake: -D${var}= is required")
  endif()
endforeach()

execute_process(COMMAND ${RACEWIN} --help OUTPUT_VARIABLE top RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "man_page.cmake: '${RACEWIN} --help' exited with ${rc}")
endif()
# The subcommands: the indented names under CLI11's SUBCOMMANDS heading, up to the next blank line.
string(REPLACE "\n" ";" lines "${top}")
set(commands "")
set(in_list FALSE)
foreach(line IN LISTS lines)
  if(line MATCHES "^[Ss][Uu][Bb][Cc][Oo][Mm][Mm][Aa][Nn][Dd][Ss]:")
    set(in_list TRUE)
  elseif(in_list AND line MATCHES "^  +([a-z][a-z0-9_-]*)")
    list(APPEND commands ${CMAKE_MATCH_1})
  elseif(in_list AND line STREQUAL "")
    break()
  endif()
endforeach()
if(NOT commands)
  message(FATAL_ERROR "man_page.cmake: no subcommands found in '${RACEWIN} --help'")
endif()

# Verbatim roff: no filling, backslashes escaped, and every line led by \& so that none starts a
# request (.), a help2man section ([) or anything else.
# racewin --help's usage line has no program name (the parser sees the arguments only).
set(include "[SYNOPSIS]\n.B racewin\n.I COMMAND\n[\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n.br\n.B racewin\n.I COMMAND\n.B --help\n[COMMANDS]\n")
foreach(cmd IN LISTS commands)
  execute_process(COMMAND ${RACEWIN} ${cmd} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "man_page.cmake: '${RACEWIN} ${cmd} --help' exited with ${rc}")
  endif()
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "\n$" "" text "${text}")
  string(REPLACE "\n" "\n\\&" text "${text}")
  string(APPEND include ".SS \"racewin ${cmd}\"\n.nf\n\\&${text}\n.fi\n")
endforeach()
string(APPEND include "[FILES]\n.TP\n.I share/racewin/scenarios/\nunder the installation prefix (/usr in the Debian package): the example scenarios, for\n.BR \"racewin check\" .\n")

get_filename_component(dir ${OUT} DIRECTORY)
set(page ${dir}/racewin.1)
file(WRITE ${dir}/racewin.h2m "${include}")
execute_process(COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${VERSION}
                        "--name=explore every interleaving of kernel-module lifetime protocols"
                        --include=${dir}/racewin.h2m --output=${page} ${RACEWIN}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "man_page.cmake: help2man exited with ${rc}")
endif()
# Debian installs man pages compressed; -n leaves the time out of the .gz.
execute_process(COMMAND gzip -9nf ${page} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "man_page.cmake: gzip exited with ${rc}")
endif()
