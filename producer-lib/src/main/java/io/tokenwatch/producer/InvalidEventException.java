package io.tokenwatch.producer;

/** An event with impossible values (negative tokens, no task, no call id): it is never sent. */
public class InvalidEventException extends IllegalArgumentException {
    public InvalidEventException(String message) {
        super(message);
    }
}
