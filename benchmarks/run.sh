#!/usr/bin/env bash
# Every benchmark in docs/PERFORMANCE.md in one command: builds the benchmark jar, runs each with
# the arguments the document reports, and keeps their output in benchmarks/target/results/.
# About 30 minutes on 2 cores. Never part of the test run.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Pbench -DskipTests package
jar=benchmarks/target/benchmarks.jar
out=benchmarks/target/results
mkdir -p "$out"

run() {
  local name=$1
  shift
  echo "== $name"
  java -Xmx2g "$@" 2>"$out/$name.err" | grep --line-buffered -v 'records to go' | tee "$out/$name.txt"
}

run pipeline -cp "$jar" io.tokenwatch.bench.PipelineBenchmark 300000 1000
for groups in 10000 100000; do
  run "scale-$groups" -cp "$jar" io.tokenwatch.bench.PipelineBenchmark 300000 "$groups" eos
done
run recovery -cp "$jar" io.tokenwatch.bench.RecoveryBenchmark 10000 168
run detection-delay -cp "$jar" io.tokenwatch.bench.DetectionDelayBenchmark 40 1000
run producer -cp "$jar" io.tokenwatch.bench.ProducerBenchmark 300000
run otlp-receiver -cp "$jar" io.tokenwatch.bench.OtlpReceiverBenchmark 200000
run spill -cp "$jar" io.tokenwatch.bench.SpillBenchmark 500000
run jmh -jar "$jar" AnomalyLogicBenchmark SerdeBenchmark -wi 2 -i 4 -w 1s -r 1s -f 1
echo "Results in $out"
