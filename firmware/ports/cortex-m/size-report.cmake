# Size report and budget check of one MPS2 image (cmake -P, run by the size-report target):
#   flash = .text (code, rodata, vectors, init array) + .ARM.exidx + .data (its load image)
#   RAM   = .data + .bss + .stack (the reserved main stack)
# .flashsim (the simulated key store sectors) is listed apart: on a board it is flash pages,
# not RAM. With ENFORCE on, an image over either budget fails, and the largest symbols of the
# region that overflowed are listed (arm-none-eabi-nm --size-sort) to say what to shrink.
# Inputs: ELF SIZE NM LABEL ENFORCE FLASH_BUDGET RAM_BUDGET.
execute_process(COMMAND ${SIZE} -A -d ${ELF} OUTPUT_VARIABLE sysv RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SIZE} failed on ${ELF}")
endif()
execute_process(COMMAND ${SIZE} -B -d ${ELF} OUTPUT_VARIABLE berkeley)

foreach(sec text ARM.exidx data bss stack flashsim)
  set(sz_${sec} 0)
  string(REPLACE "." "\\." pattern "${sec}")
  if(sysv MATCHES "\n\\.${pattern}[ ]+([0-9]+)")
    set(sz_${sec} ${CMAKE_MATCH_1})
  endif()
endforeach()
# Where .flashsim starts: symbols at or above it are the simulated key store, not RAM.
set(flashsim_addr 0xffffffff)
if(sysv MATCHES "\n\\.flashsim[ ]+[0-9]+[ ]+([0-9]+)")
  math(EXPR flashsim_addr "${CMAKE_MATCH_1}" OUTPUT_FORMAT DECIMAL)
endif()
math(EXPR flash "${sz_text} + ${sz_ARM.exidx} + ${sz_data}")
math(EXPR ram "${sz_data} + ${sz_bss} + ${sz_stack}")
math(EXPR flash_kib "(${flash} + 1023) / 1024")
math(EXPR ram_kib "(${ram} + 1023) / 1024")
math(EXPR flash_budget_kib "${FLASH_BUDGET} / 1024")
math(EXPR ram_budget_kib "${RAM_BUDGET} / 1024")

string(STRIP "${berkeley}" berkeley)
set(verdict "")
if(ENFORCE)
  set(verdict " [budget ${flash_budget_kib} KiB flash / ${ram_budget_kib} KiB RAM]")
endif()
message("== size report: ${LABEL}${verdict}\n${berkeley}\n"
        "   text ${sz_text}  exidx ${sz_ARM.exidx}  data ${sz_data}  bss ${sz_bss}  "
        "stack reserve ${sz_stack}  (simulated key store flash ${sz_flashsim})\n"
        "   flash (text+exidx+data): ${flash} B = ${flash_kib} KiB\n"
        "   RAM (data+bss+stack):    ${ram} B = ${ram_kib} KiB")

if(NOT ENFORCE)
  return()
endif()

# nm lines: "<addr> <size> <type> <name>"; RAM symbols are d/D/b/B, flash ones t/T/r/R.
function(largest types title)
  execute_process(COMMAND ${NM} --size-sort -S -C -r ${ELF} OUTPUT_VARIABLE lines)
  string(REPLACE "\n" ";" lines "${lines}")
  set(out "")
  set(n 0)
  foreach(line ${lines})
    if(n LESS 15 AND line MATCHES "^([0-9a-f]+) ([0-9a-f]+) ([${types}]) (.*)$")
      math(EXPR addr "0x${CMAKE_MATCH_1}" OUTPUT_FORMAT DECIMAL)
      math(EXPR bytes "0x${CMAKE_MATCH_2}" OUTPUT_FORMAT DECIMAL)
      if(addr GREATER_EQUAL flashsim_addr)
        continue()
      endif()
      string(APPEND out "   ${bytes}\t${CMAKE_MATCH_4}\n")
      math(EXPR n "${n} + 1")
    endif()
  endforeach()
  message("   largest ${title} symbols (bytes, name):\n${out}")
endfunction()

set(failed "")
if(flash GREATER FLASH_BUDGET)
  largest("tTrR" "flash")
  string(APPEND failed " flash ${flash} > ${FLASH_BUDGET};")
endif()
if(ram GREATER RAM_BUDGET)
  largest("dDbB" "RAM")
  string(APPEND failed " RAM ${ram} > ${RAM_BUDGET};")
endif()
if(failed)
  message(FATAL_ERROR "${LABEL} is over budget:${failed}")
endif()
message("   within budget")
