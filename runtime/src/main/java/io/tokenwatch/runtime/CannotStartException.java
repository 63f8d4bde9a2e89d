package io.tokenwatch.runtime;

/** Start-up cannot go on for a reason the user can fix, said in one line (the CLI prints it and exits with 2, no trace). */
public class CannotStartException extends IllegalStateException {
    public CannotStartException(String message) {
        super(message);
    }

    /** A server port taken by another process; {@code choose} says how to pick another, e.g. "with --registry-port". */
    public static CannotStartException portInUse(int port, String choose) {
        return new CannotStartException("port " + port + " is in use; choose another " + choose + ", or 0 for any free port");
    }
}
