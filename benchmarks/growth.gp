# growth.gp -- plots benchmarks/growth.csv (written by scripts/bench.sh):
# index time per article and warm query latency against corpus size, for
# Spine, SQLite FTS5 and stock Xapian, log-log.  Lines: the generated
# MedQuAD-like corpora; single points: the dict-gcide entries (short real
# documents).
#
#   gnuplot -c benchmarks/growth.gp growth.csv growth.png
#
# Spine is free software: GPL-2.0-or-later (see LICENSE).
csv = ARG1
set terminal pngcairo size 1400,560 font ",11" noenhanced
set output ARG2
set datafile separator ","
set key bottom right box opaque
set logscale xy
set grid
set format x "%.0s%c"
set format y "%.0s%c"
set xlabel "articles in the corpus"

engines = "spine fts5 xapian"
label(e) = e eq "spine" ? "Spine" : e eq "fts5" ? "SQLite FTS5" : "stock Xapian"
color(i) = i == 1 ? "#c0392b" : i == 2 ? "#2471a3" : "#229954"
# One engine's rows of one corpus, so each line joins only its own points.
rows(c, e) = sprintf("< awk -F, '$1 == \"%s\" && $3 == \"%s\"' '%s'", c, e, csv)
set offsets graph 0.08, graph 0.08, graph 0.05, graph 0.05

set multiplot layout 1,3 title "Spine benchmark growth (scripts/bench.sh)"

set title "index time per article"
set ylabel "µs per article (whole indexing run)"
plot for [i=1:3] rows("medquad-like", word(engines, i)) using 2:6 \
         with linespoints lw 2 pt 7 lc rgb color(i) \
         title label(word(engines, i))." (MedQuAD-like)", \
     for [i=1:3] rows("gcide", word(engines, i)) using 2:6 \
         with points pt 5 ps 1.6 lc rgb color(i) \
         title label(word(engines, i))." (dict-gcide)"

set title "warm query p50, top 10, OR"
set ylabel "µs"
plot for [i=1:3] rows("medquad-like", word(engines, i)) using 2:8 \
         with linespoints lw 2 pt 7 lc rgb color(i) \
         title label(word(engines, i)), \
     for [i=1:3] rows("gcide", word(engines, i)) using 2:8 \
         with points pt 5 ps 1.6 lc rgb color(i) notitle

set title "warm query p99, top 10, OR"
plot for [i=1:3] rows("medquad-like", word(engines, i)) using 2:9 \
         with linespoints lw 2 pt 7 lc rgb color(i) \
         title label(word(engines, i)), \
     for [i=1:3] rows("gcide", word(engines, i)) using 2:9 \
         with points pt 5 ps 1.6 lc rgb color(i) notitle

unset multiplot
