# written by jitseal-bench report; run in this directory: gnuplot plot.gp
set terminal pngcairo size 1400,2880 font 'sans,10'
set output 'bench.png'
set grid
set key top left box opaque font 'sans,8'
set datafile missing '?'
set multiplot layout 6,2
set linetype 1 lc rgb '#d62728'
set style line 1 lw 2 pt 5 lc rgb '#d62728'
set linetype 2 lc rgb '#2ca02c'
set style line 2 lw 2 pt 6 lc rgb '#2ca02c'
set linetype 3 lc rgb '#1f77b4'
set style line 3 lw 2 pt 7 lc rgb '#1f77b4'
set linetype 4 lc rgb '#9467bd'
set style line 4 lw 2 pt 8 lc rgb '#9467bd'
set linetype 5 lc rgb '#ff7f0e'
set style line 5 lw 2 pt 9 lc rgb '#ff7f0e'
set linetype 6 lc rgb '#8c564b'
set style line 6 lw 2 pt 10 lc rgb '#8c564b'
set linetype 7 lc rgb '#e377c2'
set style line 7 lw 2 pt 11 lc rgb '#e377c2'
set linetype 8 lc rgb '#7f7f7f'
set style line 8 lw 2 pt 12 lc rgb '#7f7f7f'
set logscale xy
unset xtics
set xtics
set key bottom right
set title 'W1: one function per finalize, by size, icount clock'
set xlabel 'function size (bytes)'
set ylabel 'install cost per function (instructions (icount ns))'
plot 'plot-icount-W1.dat' using 1:2 title 'jitseal' with linespoints ls 1, \
     'plot-icount-W1.dat' using 1:3 title 'jitseal-ioctl' with linespoints ls 2, \
     'plot-icount-W1.dat' using 1:4 title 'memfd' with linespoints ls 3, \
     'plot-icount-W1.dat' using 1:5 title 'mprotect' with linespoints ls 4, \
     'plot-icount-W1.dat' using 1:6 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-icount-W1.dat' using 1:7 title 'tmpfile-disk' with linespoints ls 6, \
     'plot-icount-W1.dat' using 1:($3*1.2) title 'target: 1.2 x jitseal-ioctl' with lines ls 2 dt 2, \
     'plot-icount-W1.dat' using 1:($4*2) title 'target P1 (256 B): 2 x memfd' with lines ls 3 dt 2
set logscale xy
unset xtics
set xtics
set key bottom left
set title 'W2: 256-byte functions by batch size, icount clock'
set xlabel 'functions per finalize'
set ylabel 'install cost per function (instructions (icount ns))'
plot 'plot-icount-W2.dat' using 1:2 title 'jitseal' with linespoints ls 1, \
     'plot-icount-W2.dat' using 1:3 title 'jitseal-ioctl' with linespoints ls 2, \
     'plot-icount-W2.dat' using 1:4 title 'memfd' with linespoints ls 3, \
     'plot-icount-W2.dat' using 1:5 title 'mprotect' with linespoints ls 4, \
     'plot-icount-W2.dat' using 1:6 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-icount-W2.dat' using 1:7 title 'tmpfile-disk' with linespoints ls 6, \
     'plot-icount-W2.dat' using 1:($3*1.2) title 'target: 1.2 x jitseal-ioctl' with lines ls 2 dt 2, \
     'plot-icount-W2.dat' using 1:($1 == 100 ? $4 : 1/0) title 'target P2: at most memfd at 100' with points pt 3 ps 3 lc rgb 'black'
unset logscale x
set logscale y
set xtics rotate by -30
set key bottom right
set title 'W3 (P3): bulk install of 16MiB, cost per byte, icount clock'
set xlabel 'method'
set ylabel 'per byte (instructions (icount ns))'
plot [0:9] 'plot-icount-W3.dat' using 1:3:4:xtic(2) title 'cost per byte' with points pt 7 ps 2 lc variable, \
     4.0762 title 'target P3: 1.25 x memfd' with lines ls 3 dt 2
set xtics norotate
set key top left
set multiplot next
set logscale xy
unset xtics
set xtics
set key bottom right
set title 'W1: one function per finalize, by size, tcg clock'
set xlabel 'function size (bytes)'
set ylabel 'install cost per function (ns)'
plot 'plot-tcg-W1.dat' using 1:2 title 'jitseal' with linespoints ls 1, \
     'plot-tcg-W1.dat' using 1:3 title 'jitseal-ioctl' with linespoints ls 2, \
     'plot-tcg-W1.dat' using 1:4 title 'memfd' with linespoints ls 3, \
     'plot-tcg-W1.dat' using 1:5 title 'mprotect' with linespoints ls 4, \
     'plot-tcg-W1.dat' using 1:6 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-tcg-W1.dat' using 1:7 title 'tmpfile-disk' with linespoints ls 6, \
     'plot-tcg-W1.dat' using 1:($3*1.2) title 'target: 1.2 x jitseal-ioctl' with lines ls 2 dt 2, \
     'plot-tcg-W1.dat' using 1:($4*2) title 'target P1 (256 B): 2 x memfd' with lines ls 3 dt 2
set logscale xy
unset xtics
set xtics
set key bottom left
set title 'W2: 256-byte functions by batch size, tcg clock'
set xlabel 'functions per finalize'
set ylabel 'install cost per function (ns)'
plot 'plot-tcg-W2.dat' using 1:2 title 'jitseal' with linespoints ls 1, \
     'plot-tcg-W2.dat' using 1:3 title 'jitseal-ioctl' with linespoints ls 2, \
     'plot-tcg-W2.dat' using 1:4 title 'memfd' with linespoints ls 3, \
     'plot-tcg-W2.dat' using 1:5 title 'mprotect' with linespoints ls 4, \
     'plot-tcg-W2.dat' using 1:6 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-tcg-W2.dat' using 1:7 title 'tmpfile-disk' with linespoints ls 6, \
     'plot-tcg-W2.dat' using 1:($3*1.2) title 'target: 1.2 x jitseal-ioctl' with lines ls 2 dt 2, \
     'plot-tcg-W2.dat' using 1:($1 == 100 ? $4 : 1/0) title 'target P2: at most memfd at 100' with points pt 3 ps 3 lc rgb 'black'
unset logscale x
set logscale y
set xtics rotate by -30
set key bottom right
set title 'W3 (P3): bulk install of 16MiB, cost per byte, tcg clock'
set xlabel 'method'
set ylabel 'per byte (ns)'
plot [0:9] 'plot-tcg-W3.dat' using 1:3:4:xtic(2) title 'cost per byte' with points pt 7 ps 2 lc variable, \
     103.0138 title 'target P3: 1.25 x memfd' with lines ls 3 dt 2
set xtics norotate
set key top left
unset logscale x
set logscale y
set key outside right top
set title 'P10, tcg clock: one allocation; filled: 8 threads, one pool; open: 1 thread'
set xlabel 'statistic over all allocations (max: worst repetition)'
set arrow 1 from 0.55,1277.744 to 1.45,1277.744 nohead lw 2 lc rgb 'black' dt 2 front
set label 1 'target: 2 x library 1-thread mean' at 0.6,1277.744 offset 0,0.7 front font 'sans,8'
set xtics ("mean" 1, "p50" 2, "p99" 3, "max" 4)
set ylabel 'latency (ns)'
plot [0.5:4.5] 'plot-tcg-P10.dat' using ($1 - 0.3 + 0.000):3 title 'jitseal, 8 threads' with points ls 1 pt 7 ps 1.5, \
     'plot-tcg-P10.dat' using ($1 - 0.3 + 0.000):4 title 'jitseal, 1 thread' with points ls 1 pt 6 ps 1.5, \
     'plot-tcg-P10.dat' using ($1 - 0.3 + 0.150):5 title 'jitseal-ioctl, 8 threads' with points ls 2 pt 7 ps 1.5, \
     'plot-tcg-P10.dat' using ($1 - 0.3 + 0.150):6 title 'jitseal-ioctl, 1 thread' with points ls 2 pt 6 ps 1.5, \
     'plot-tcg-P10.dat' using ($1 - 0.3 + 0.300):7 title 'jitseal-memfd, 8 threads' with points ls 7 pt 7 ps 1.5, \
     'plot-tcg-P10.dat' using ($1 - 0.3 + 0.300):8 title 'jitseal-memfd, 1 thread' with points ls 7 pt 6 ps 1.5, \
     'plot-tcg-P10.dat' using ($1 - 0.3 + 0.450):9 title 'memfd, 8 threads' with points ls 3 pt 7 ps 1.5, \
     'plot-tcg-P10.dat' using ($1 - 0.3 + 0.450):10 title 'memfd, 1 thread' with points ls 3 pt 6 ps 1.5, \
     'plot-tcg-P10.dat' using ($1 - 0.3 + 0.600):11 title 'mprotect, 8 threads' with points ls 4 pt 7 ps 1.5, \
     'plot-tcg-P10.dat' using ($1 - 0.3 + 0.600):12 title 'mprotect, 1 thread' with points ls 4 pt 6 ps 1.5
unset arrow 1
unset label 1
set key inside top left
set xtics auto
set logscale xy
unset xtics
set xtics
set key bottom right
set title 'W1: one function per finalize, by size, native clock'
set xlabel 'function size (bytes)'
set ylabel 'install cost per function (ns)'
plot 'plot-native-W1.dat' using 1:2 title 'memfd' with linespoints ls 3, \
     'plot-native-W1.dat' using 1:3 title 'mprotect' with linespoints ls 4, \
     'plot-native-W1.dat' using 1:4 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-native-W1.dat' using 1:5 title 'tmpfile-disk' with linespoints ls 6
set logscale xy
unset xtics
set xtics
set key bottom left
set title 'W2: 256-byte functions by batch size, native clock'
set xlabel 'functions per finalize'
set ylabel 'install cost per function (ns)'
plot 'plot-native-W2.dat' using 1:2 title 'memfd' with linespoints ls 3, \
     'plot-native-W2.dat' using 1:3 title 'mprotect' with linespoints ls 4, \
     'plot-native-W2.dat' using 1:4 title 'tmpfile-tmpfs' with linespoints ls 5, \
     'plot-native-W2.dat' using 1:5 title 'tmpfile-disk' with linespoints ls 6
unset logscale x
set logscale y
set xtics rotate by -30
set key bottom right
set title 'W3 (P3): bulk install of 16MiB, cost per byte, native clock'
set xlabel 'method'
set ylabel 'per byte (ns)'
plot [0:7] 'plot-native-W3.dat' using 1:3:4:xtic(2) title 'cost per byte' with points pt 7 ps 2 lc variable, \
     1.0813 title 'target P3: 1.25 x memfd' with lines ls 3 dt 2
set xtics norotate
set key top left
unset logscale x
set logscale y
set key outside right top
set title 'P10, native clock: one allocation; filled: 8 threads, one pool; open: 1 thread'
set xlabel 'statistic over all allocations (max: worst repetition)'
set arrow 1 from 0.55,92.814 to 1.45,92.814 nohead lw 2 lc rgb 'black' dt 2 front
set label 1 'target: 2 x library 1-thread mean' at 0.6,92.814 offset 0,0.7 front font 'sans,8'
set xtics ("mean" 1, "p50" 2, "p99" 3, "max" 4)
set ylabel 'latency (ns)'
plot [0.5:4.5] 'plot-native-P10.dat' using ($1 - 0.3 + 0.000):3 title 'jitseal-memfd, 8 threads' with points ls 7 pt 7 ps 1.5, \
     'plot-native-P10.dat' using ($1 - 0.3 + 0.000):4 title 'jitseal-memfd, 1 thread' with points ls 7 pt 6 ps 1.5, \
     'plot-native-P10.dat' using ($1 - 0.3 + 0.300):5 title 'memfd, 8 threads' with points ls 3 pt 7 ps 1.5, \
     'plot-native-P10.dat' using ($1 - 0.3 + 0.300):6 title 'memfd, 1 thread' with points ls 3 pt 6 ps 1.5, \
     'plot-native-P10.dat' using ($1 - 0.3 + 0.600):7 title 'mprotect, 8 threads' with points ls 4 pt 7 ps 1.5, \
     'plot-native-P10.dat' using ($1 - 0.3 + 0.600):8 title 'mprotect, 1 thread' with points ls 4 pt 6 ps 1.5
unset arrow 1
unset label 1
set key inside top left
set xtics auto
unset multiplot
