# written by jitseal-bench report; run in this directory: gnuplot plot.gp
set terminal pngcairo size 1400,1440 font 'sans,10'
set output 'bench.png'
set logscale xy
set grid
set key top left box opaque
set datafile missing '?'
set multiplot layout 3,2
set style line 1 lw 2 pt 5 lc rgb '#d62728'
set style line 2 lw 2 pt 6 lc rgb '#2ca02c'
set style line 3 lw 2 pt 7 lc rgb '#1f77b4'
set style line 4 lw 2 pt 8 lc rgb '#9467bd'
set style line 5 lw 2 pt 9 lc rgb '#ff7f0e'
set style line 6 lw 2 pt 10 lc rgb '#8c564b'
set style line 7 lw 2 pt 11 lc rgb '#17becf'
set style line 8 lw 2 pt 12 lc rgb '#7f7f7f'
set title 'W1: one function per finalize, by size, icount clock'
set xlabel 'function size (bytes)'
set ylabel 'install cost per function (instructions (icount ns))'
plot 'plot-icount-W1.dat' using 1:2 title 'jitseal' with linespoints ls 1, \
     'plot-icount-W1.dat' using 1:3 title 'jitseal-ioctl' with linespoints ls 2, \
     'plot-icount-W1.dat' using 1:4 title 'memfd' with linespoints ls 3, \
     'plot-icount-W1.dat' using 1:5 title 'mprotect' with linespoints ls 4, \
     'plot-icount-W1.dat' using 1:6 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-icount-W1.dat' using 1:7 title 'tmpfile-disk' with linespoints ls 6
set title 'W2: 256-byte functions by batch size, icount clock'
set xlabel 'functions per finalize'
set ylabel 'install cost per function (instructions (icount ns))'
plot 'plot-icount-W2.dat' using 1:2 title 'jitseal' with linespoints ls 1, \
     'plot-icount-W2.dat' using 1:3 title 'jitseal-ioctl' with linespoints ls 2, \
     'plot-icount-W2.dat' using 1:4 title 'memfd' with linespoints ls 3, \
     'plot-icount-W2.dat' using 1:5 title 'mprotect' with linespoints ls 4, \
     'plot-icount-W2.dat' using 1:6 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-icount-W2.dat' using 1:7 title 'tmpfile-disk' with linespoints ls 6
set title 'W1: one function per finalize, by size, tcg clock'
set xlabel 'function size (bytes)'
set ylabel 'install cost per function (ns)'
plot 'plot-tcg-W1.dat' using 1:2 title 'jitseal' with linespoints ls 1, \
     'plot-tcg-W1.dat' using 1:3 title 'jitseal-ioctl' with linespoints ls 2, \
     'plot-tcg-W1.dat' using 1:4 title 'memfd' with linespoints ls 3, \
     'plot-tcg-W1.dat' using 1:5 title 'mprotect' with linespoints ls 4, \
     'plot-tcg-W1.dat' using 1:6 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-tcg-W1.dat' using 1:7 title 'tmpfile-disk' with linespoints ls 6
set title 'W2: 256-byte functions by batch size, tcg clock'
set xlabel 'functions per finalize'
set ylabel 'install cost per function (ns)'
plot 'plot-tcg-W2.dat' using 1:2 title 'jitseal' with linespoints ls 1, \
     'plot-tcg-W2.dat' using 1:3 title 'jitseal-ioctl' with linespoints ls 2, \
     'plot-tcg-W2.dat' using 1:4 title 'memfd' with linespoints ls 3, \
     'plot-tcg-W2.dat' using 1:5 title 'mprotect' with linespoints ls 4, \
     'plot-tcg-W2.dat' using 1:6 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-tcg-W2.dat' using 1:7 title 'tmpfile-disk' with linespoints ls 6
set title 'W1: one function per finalize, by size, native clock'
set xlabel 'function size (bytes)'
set ylabel 'install cost per function (ns)'
plot 'plot-native-W1.dat' using 1:2 title 'memfd' with linespoints ls 3, \
     'plot-native-W1.dat' using 1:3 title 'mprotect' with linespoints ls 4, \
     'plot-native-W1.dat' using 1:4 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-native-W1.dat' using 1:5 title 'tmpfile-disk' with linespoints ls 6
set title 'W2: 256-byte functions by batch size, native clock'
set xlabel 'functions per finalize'
set ylabel 'install cost per function (ns)'
plot 'plot-native-W2.dat' using 1:2 title 'memfd' with linespoints ls 3, \
     'plot-native-W2.dat' using 1:3 title 'mprotect' with linespoints ls 4, \
     'plot-native-W2.dat' using 1:4 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-native-W2.dat' using 1:5 title 'tmpfile-disk' with linespoints ls 6
unset multiplot
