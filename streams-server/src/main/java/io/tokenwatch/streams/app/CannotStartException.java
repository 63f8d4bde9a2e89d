package io.tokenwatch.streams.app;

/** Start-up cannot go on for a reason the user can fix, said in one line (the CLI prints it and exits with 2, no trace). */
public class CannotStartException extends IllegalStateException {
    public CannotStartException(String message) {
        super(message);
    }
}
