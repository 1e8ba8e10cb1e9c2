# The latency CDF of `evbus bench ipc` (make bench): one-way latency of
# evbus and its same-run baselines, 64 B and 1 KiB side by side.
#   gnuplot -e "dir='DIR'; out='docs/ipc_latency_cdf.svg'" bench/ipc_cdf.gp
# DIR holds the lat-<peer>-<payload>.dat files of `evbus bench ipc --cdf DIR`.
if (!exists("dir")) dir = "."
if (!exists("out")) out = "docs/ipc_latency_cdf.svg"
set terminal svg size 1100,460 dynamic font "sans,11"
set output out
set multiplot layout 1,2 title "evbus bench ipc: one-way latency (round trip / 2), two pinned processes"
set logscale x
set format x "%.0s%c"
set xlabel "one-way latency (ns)"
set ylabel "fraction of messages"
set yrange [0:1.02]
set grid
set key right bottom
# Each peer keeps its colour in both panels (the floor is 64 B only).
peers = "evbus evbus-blocking floor raw-ring pipe uds"
colors = "#9400d3 #009e73 #56b4e9 #e69f00 #d55e00 #0072b2"
file(i, payload) = sprintf("%s/lat-%s-%d.dat", dir, word(peers, i), payload)
set title "64 B"
plot for [i = 1:6] file(i, 64) using 1:2 with lines lw 2 lc rgb word(colors, i) title word(peers, i)
set title "1 KiB"
plot for [k in "1 2 4 5 6"] file(k + 0, 1024) using 1:2 with lines lw 2 \
     lc rgb word(colors, k + 0) title word(peers, k + 0)
unset multiplot
