# bench/refcount.gp: get/put pairs per second (all threads together) against the number of threads,
# one line per refcount algorithm, one panel per scenario, from racewin_refcount_bench's CSV.
#   gnuplot -e "csv='bench/results/refcount.csv'; out='bench/results/refcount.svg'" bench/refcount.gp
if (!exists("csv")) csv = 'bench/results/refcount.csv'
if (!exists("out")) out = 'bench/results/refcount.svg'

set terminal svg size 1260,440 noenhanced font "sans,12" background rgb "white"
set output out
set datafile separator ","

alg(i) = i == 1 ? "fetch_add/fetch_sub (floor)" : i == 2 ? "modern" : i == 3 ? "2.6.24 per-CPU" : "percpu_ref"
# Column 5 (pairs_per_s) of the rows of algorithm a in scenario s, in millions; NaN elsewhere.
sel(a, s) = (strcol(1) eq a && strcol(2) eq s) ? column(5) / 1e6 : NaN
stats csv skip 1 using 3 nooutput
maxthreads = STATS_max
stats csv skip 1 using (strcol(2) eq "racewin get/put" ? NaN : $5) nooutput
ylow = STATS_min / 1e6 / 2
yhigh = STATS_max / 1e6 * 12  # room above the lines for the key

set style line 1 lc rgb "#555555" lw 2 pt 5 ps 0.8 dt 2
set style line 2 lc rgb "#d62728" lw 2 pt 7 ps 0.9
set style line 3 lc rgb "#1f77b4" lw 2 pt 9 ps 1.0
set style line 4 lc rgb "#2ca02c" lw 2 pt 13 ps 1.0
set logscale y
set yrange [ylow : yhigh]
set format y "%g"
set xrange [0.8 : maxthreads + 0.2]
set xtics 1
set grid ytics lc rgb "#dddddd"
set xlabel "threads"
set key top left box opaque font "sans,10"

set multiplot layout 1,3 title "Module refcount algorithms: million get/put pairs per second, all threads together (higher is better)"
set ylabel "million pairs / s"
s = "get/put"
set title "each thread: get, put on one module"
plot for [i=1:4] csv skip 1 using 3:(sel(alg(i), s)) with linespoints ls i title alg(i)
unset ylabel
unset key
s = "get/put + unload"
set title "... while another thread loops an unload attempt"
plot for [i=1:4] csv skip 1 using 3:(sel(alg(i), s)) with linespoints ls i title alg(i)
s = "fops_get/fops_put"
set title "fops_get/fops_put, as open/close do"
plot for [i=1:4] csv skip 1 using 3:(sel(alg(i), s)) with linespoints ls i title alg(i)
unset multiplot
