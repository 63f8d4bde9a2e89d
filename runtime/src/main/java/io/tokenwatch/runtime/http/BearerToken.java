package io.tokenwatch.runtime.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bearer token an HTTP path requires, if any: compared in constant time, never logged. Between
 * instances of one application (which share the token) the token itself never travels: a request from
 * a peer carries an HMAC of its target and time under the token ({@link #PEER_HEADER}), valid for a
 * minute, so a peer reached over plain HTTP learns nothing it could reuse elsewhere.
 */
public final class BearerToken {
    public static final String PEER_HEADER = "X-Tokenwatch-Peer";
    private static final Duration PEER_VALIDITY = Duration.ofMinutes(1);
    private static final String HMAC = "HmacSHA256";

    private final Optional<byte[]> token;
    /** The {@code Authorization} header that presents it. */
    private final Optional<byte[]> header;

    private BearerToken(Optional<String> token) {
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
        this.header = token.map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8));
    }

    public static BearerToken of(Optional<String> token) {
        return new BearerToken(token);
    }

    /** Whether a request must present it. */
    public boolean required() {
        return token.isPresent();
    }

    /** Whether an {@code Authorization} header (possibly null) presents the token; always true when none is required. */
    public boolean accepts(String authorization) {
        return header.isEmpty() || MessageDigest.isEqual(String.valueOf(authorization).getBytes(StandardCharsets.UTF_8), header.get());
    }

    /** What a request to {@code target} from a peer carries instead of the token (empty when no token is required). */
    public Optional<String> peerSignature(URI target, Instant now) {
        return token.map(key -> now.getEpochSecond() + "." + mac(key, now.getEpochSecond(), pathAndQuery(target)));
    }

    /** Whether a {@link #PEER_HEADER} value (possibly null) was made with this token for {@code target} within the last minute. */
    public boolean acceptsPeer(String signature, URI target, Instant now) {
        if (token.isEmpty()) {
            return true;
        }
        if (signature == null) {
            return false;
        }
        int dot = signature.indexOf('.');
        long seconds;
        try {
            seconds = Long.parseLong(signature.substring(0, Math.max(dot, 0)));
        } catch (NumberFormatException e) {
            return false;
        }
        if (Math.abs(now.getEpochSecond() - seconds) > PEER_VALIDITY.toSeconds()) {
            return false;
        }
        byte[] expected = mac(token.get(), seconds, pathAndQuery(target)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(signature.substring(dot + 1).getBytes(StandardCharsets.US_ASCII), expected);
    }

    private static String pathAndQuery(URI target) {
        return target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
    }

    private static String mac(byte[] key, long seconds, String target) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal((seconds + "\n" + target).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
