package io.tokenwatch.streams.errors;

import java.util.Locale;

/** Why a record went to the dead-letter topic: the value of the {@code tokenwatch.dlq.reason} header. */
public enum DeadLetterReason {
    /** Bytes that are not Confluent-format Avro (bad magic byte, truncated body). */
    MALFORMED,
    /** A schema id the registry does not know. */
    UNKNOWN_SCHEMA_ID,
    /** Values no real call or outcome can have. */
    INVALID,
    /** A token count above {@code tokenwatch.max.tokens.per.call}. */
    TOO_LARGE,
    /** An attribution label, id or tag longer than {@code tokenwatch.max.label.length}. */
    LABEL_TOO_LONG,
    /** Later than the window grace, or an outcome after its call's window closed. */
    LATE,
    /** An event dated further ahead of the host's clock than {@code tokenwatch.max.future} allows. */
    FUTURE,
    /** An outcome whose record key is not its call_id (it would be read by the wrong join task). */
    KEY_MISMATCH,
    /** An outcome whose call never arrived within the outcome window. */
    UNMATCHED_OUTCOME,
    /** A call id already counted. */
    DUPLICATE,
    /** Slack refused the message for good (4xx other than 429, e.g. an archived channel or a revoked webhook). */
    SLACK_REJECTED,
    /** Anything else thrown while processing (a bug): the stack trace is in the headers. */
    PROCESSING_ERROR;

    /** The header value: lower case with dashes, e.g. {@code unknown-schema-id}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
