#!/usr/bin/env bash
# samples/demo/chart.sh — the walkthrough's step 2 chart: plots the
# "TIME VALUE" lines of DATFILE (samples/demo/cloudwatch_readings.py) as a
# PNG with gnuplot, with the post's alarm threshold of 80 degrees.
# Usage: samples/demo/chart.sh DATFILE PNGFILE
set -euo pipefail
dat=${1:?usage: chart.sh DATFILE PNGFILE}
png=${2:?usage: chart.sh DATFILE PNGFILE}
term=png
gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo && term="pngcairo size 800,400"
gnuplot <<GP
set terminal $term
set output '$png'
set title 'Temperature Reading (CloudWatch namespace "Temperature Monitoring Database App")'
set xdata time
set timefmt '%Y-%m-%dT%H:%M:%S'
set format x '%H:%M'
set xlabel 'time (UTC)'
set ylabel 'degrees C'
set grid
set key left top
set yrange [50:100]
plot '$dat' using 1:2 with linespoints lw 2 pt 7 title 'Temperature Reading', \
     80 with lines dt 2 lc rgb 'red' title 'alarm threshold (80)'
GP
[ -s "$png" ]
