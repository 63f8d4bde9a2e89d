package io.tokenwatch.producer;

/**
 * Times one logical LLM call across its attempts: {@code start()} before the first attempt,
 * {@link #retried()} before each retry, then read {@link #elapsedMs()} and {@link #retries()}.
 */
public final class CallTimer {
    private final long startNanos = System.nanoTime();
    private int retries;

    private CallTimer() {
    }

    public static CallTimer start() {
        return new CallTimer();
    }

    public void retried() {
        retries++;
    }

    public int retries() {
        return retries;
    }

    public long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
