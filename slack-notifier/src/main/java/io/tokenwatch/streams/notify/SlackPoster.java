package io.tokenwatch.streams.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Optional;

/** Sends one message to one webhook (by name: URLs stay inside the implementation). */
public interface SlackPoster {

    /** How a post ended. */
    enum Outcome {
        /** Slack accepted it. */
        DELIVERED,
        /** Try again later: 429, 5xx, timeout or connection failure. */
        RETRY,
        /** Slack will never accept it (other 4xx): give up and dead-letter. */
        REJECTED
    }

    /** @param retryAfter Slack's Retry-After on 429; {@code detail} says what happened, for logs */
    record Result(Outcome outcome, Optional<Duration> retryAfter, String detail) {
        public static Result delivered() {
            return new Result(Outcome.DELIVERED, Optional.empty(), "ok");
        }
    }

    Result post(String webhook, ObjectNode message);

    /** Whether {@code webhook} names a webhook this poster can post to. */
    default boolean serves(String webhook) {
        return true;
    }
}
