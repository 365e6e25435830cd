; A module that does not parse: jitseal-lli must name the file and line.
define i32 @main() {
  %x = add i32 1,
  ret i32 %x
}
