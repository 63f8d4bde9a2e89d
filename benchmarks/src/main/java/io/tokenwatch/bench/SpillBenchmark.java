package io.tokenwatch.bench;

import io.tokenwatch.producer.CallReport;
import io.tokenwatch.producer.SpillSync;
import io.tokenwatch.producer.TokenUsage;
import io.tokenwatch.producer.TokenwatchClient;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;

/**
 * What forcing the spill file to disk after every batch costs while Kafka is unreachable: calls spilled
 * per second with {@link SpillSync#EVERY_BATCH} (the default) against {@link SpillSync#INTERVAL}, in one
 * run, alternating, and the caller-thread p99 of {@code recordCall} meanwhile. Usage:
 * {@code java -Xmx2g -cp benchmarks.jar io.tokenwatch.bench.SpillBenchmark [calls]}.
 */
public final class SpillBenchmark {
    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        for (int round = 1; round <= 2; round++) {
            double[] interval = spill(deadPort, calls, SpillSync.INTERVAL);
            double[] everyBatch = spill(deadPort, calls, SpillSync.EVERY_BATCH);
            System.out.printf("round %d: INTERVAL %,9.0f calls/s spilled (caller p99 %.1f us); EVERY_BATCH %,9.0f calls/s (caller p99 %.1f us) = %.2f x INTERVAL%n",
                    round, interval[0], interval[1], everyBatch[0], everyBatch[1], everyBatch[0] / interval[0]);
        }
    }

    /** Returns {calls/s until every call is spilled, caller p99 us}. */
    private static double[] spill(int deadPort, int calls, SpillSync sync) throws Exception {
        long[] latencies = new long[calls];
        long start;
        try (TokenwatchClient client = TokenwatchClient.builder().bootstrapServers("127.0.0.1:" + deadPort).schemaRegistryUrl("mock://bench-spill")
                .spillDirectory(Files.createTempDirectory("bench-spill")).spillSync(sync).maxSpillBytes(4L << 30)
                .producerProperty("max.block.ms", 100).closeTimeout(Duration.ofMillis(200)).build()) {
            // The first event finds Kafka unreachable (max.block.ms) and opens the circuit: from then on everything spills.
            client.recordCall(CallReport.of("warm-up", "claude-sonnet-4-5", TokenUsage.of(1_000, 100)).timestamp(Instant.now()));
            while (client.counts().spilled() < 1) {
                Thread.onSpinWait();
            }
            start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                long t0 = System.nanoTime();
                client.recordCall(CallReport.of("task-" + (i % 100), "claude-sonnet-4-5", TokenUsage.of(12_000, 600)).latencyMs(900).timestamp(Instant.now()));
                latencies[i] = System.nanoTime() - t0;
            }
            while (client.counts().spilled() < calls + 1) {
                Thread.onSpinWait();
            }
        }
        double rate = calls / ((System.nanoTime() - start) / 1e9);
        java.util.Arrays.sort(latencies);
        return new double[] {rate, latencies[(int) (calls * 0.99)] / 1_000.0};
    }
}
