# soak/plot.gp — fds and RSS over a soak (samples.dat, written by check.py)
# as a small PNG: gnuplot -e "in='WORK/samples.dat'; out='x.png'" soak/plot.gp
set terminal pngcairo size 800,420 font ",9"
set output out
set multiplot layout 2,1
set key outside right
set xlabel "s"
set ylabel "RSS (MB)"
plot in u 1:($2/1024) w l t "delivery worker", in u 1:($3/1024) w l t "sqlambda serve", in u 1:($4/1024) w l t "mariadbd"
set ylabel "open fds"
plot in u 1:5 w l t "PostgreSQL (all)", in u 1:6 w l t "sqlambda serve", in u 1:7 w l t "mariadbd"
unset multiplot
