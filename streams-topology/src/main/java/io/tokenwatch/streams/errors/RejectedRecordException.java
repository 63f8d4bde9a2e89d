package io.tokenwatch.streams.errors;

/**
 * Thrown by a processor for a record the pipeline refuses (impossible values, too late, duplicate):
 * the {@link DeadLetterHandler} sends its original bytes to the dead-letter topic with
 * {@link #reason()} in a header, and processing continues. No stack trace: this is routine.
 */
public final class RejectedRecordException extends RuntimeException {
    private final DeadLetterReason reason;

    public RejectedRecordException(DeadLetterReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
