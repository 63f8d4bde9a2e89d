package io.tokenwatch.streams.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The alerts waiting for one webhook and when the next post may go: at most one post per
 * {@code minInterval} after the previous answer (Slack's rate limit), none before a
 * {@code Retry-After} or a backoff after a failure, and a digest instead of single messages once more than {@code stormPerMinute} alerts would
 * go out within a minute (then at most one digest a minute). First in, first out, so each group's
 * alerts keep their order. Pure: time is passed in.
 */
public final class WebhookQueue {
    static final Duration STORM_WINDOW = Duration.ofMinutes(1);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    /** What to do next for this webhook. */
    public sealed interface Next {
    }

    /** Nothing waiting. */
    public record Idle() implements Next {
    }

    /** Nothing may be posted before {@code until}. */
    public record WaitUntil(Instant until) implements Next {
    }

    /** Post these alerts: one alert as its own message, several as one digest. */
    public record Post(List<PendingAlert> alerts, boolean digest) implements Next {
    }

    private final String webhook;
    private final Duration minInterval;
    private final int stormPerMinute;
    private final Duration maxBackoff;
    private final Deque<PendingAlert> pending = new ArrayDeque<>();
    /** Send times of recently delivered alerts, one entry per alert (a digest adds several). */
    private final Deque<Instant> delivered = new ArrayDeque<>();
    private Instant lastAttempt = Instant.MIN;
    private Instant lastDigest = Instant.MIN;
    private Instant notBefore = Instant.MIN;
    private int failures;

    public WebhookQueue(String webhook, Duration minInterval, int stormPerMinute, Duration maxBackoff) {
        this.webhook = webhook;
        this.minInterval = minInterval;
        this.stormPerMinute = stormPerMinute;
        this.maxBackoff = maxBackoff;
    }

    public String webhook() {
        return webhook;
    }

    public void add(PendingAlert alert) {
        pending.addLast(alert);
    }

    /** Whether this update is already waiting here (the topic may hold it twice, e.g. after a producer retry). */
    public boolean contains(String notificationId) {
        return pending.stream().anyMatch(p -> p.notificationId().equals(notificationId));
    }

    public int size() {
        return pending.size();
    }

    /** Drops what came from partitions this instance no longer owns (their owner re-reads them). */
    public void removeIf(Predicate<PendingAlert> filter) {
        pending.removeIf(filter);
    }

    public Next next(Instant now) {
        if (pending.isEmpty()) {
            return new Idle();
        }
        Instant earliest = max(lastAttempt.plus(minInterval), notBefore);
        forgetBefore(now.minus(STORM_WINDOW));
        boolean storm = delivered.size() + pending.size() > stormPerMinute;
        if (storm) {
            earliest = max(earliest, lastDigest.plus(STORM_WINDOW));
        }
        if (now.isBefore(earliest)) {
            return new WaitUntil(earliest);
        }
        return storm ? new Post(List.copyOf(pending), true) : new Post(List.of(pending.peekFirst()), false);
    }

    /** The post was accepted: its alerts leave the queue. */
    public void delivered(Post post, Instant sentAt) {
        finished(post, sentAt);
        failures = 0;
        notBefore = Instant.MIN;
        post.alerts().forEach(a -> delivered.addLast(sentAt));
        if (post.digest()) {
            lastDigest = sentAt;
        }
    }

    /** Slack refused the post for good: its alerts leave the queue (the caller dead-letters them). */
    public void rejected(Post post, Instant sentAt) {
        finished(post, sentAt);
    }

    /**
     * The post failed and will be retried: after {@code retryAfter} when Slack said so (429), else
     * after an exponential backoff (1 s, 2 s, 4 s ... up to {@code maxBackoff}).
     */
    public Duration failed(Instant sentAt, Optional<Duration> retryAfter) {
        lastAttempt = sentAt;
        failures++;
        Duration wait = retryAfter.orElseGet(() -> {
            Duration backoff = FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 20));
            return backoff.compareTo(maxBackoff) > 0 ? maxBackoff : backoff;
        });
        notBefore = sentAt.plus(wait);
        return wait;
    }

    private void finished(Post post, Instant sentAt) {
        lastAttempt = sentAt;
        // A post is always built from the head of the queue, on the same thread.
        for (int i = 0; i < post.alerts().size(); i++) {
            pending.pollFirst();
        }
    }

    private void forgetBefore(Instant cutoff) {
        while (!delivered.isEmpty() && !delivered.peekFirst().isAfter(cutoff)) {
            delivered.pollFirst();
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
