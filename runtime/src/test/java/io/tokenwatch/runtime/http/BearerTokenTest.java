package io.tokenwatch.runtime.http;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class BearerTokenTest {
    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final URI SERIES = URI.create("http://10.0.0.7:8080/api/local/series/task%7Ccode-review?window=PT1H");

    @Test
    void aRequiredTokenIsAcceptedOnlyAsPresented() {
        BearerToken token = BearerToken.of(Optional.of("s3cret"));
        assertThat(token.required()).isTrue();
        assertThat(token.accepts("Bearer s3cret")).isTrue();
        assertThat(token.accepts("Bearer s3cre")).isFalse();
        assertThat(token.accepts("bearer s3cret")).isFalse();
        assertThat(token.accepts(null)).isFalse();
        assertThat(BearerToken.of(Optional.empty()).accepts(null)).as("no token configured: open").isTrue();
    }

    @Test
    void aPeersSignatureHoldsForItsTargetForAMinuteAndNeverCarriesTheToken() {
        BearerToken token = BearerToken.of(Optional.of("s3cret"));
        String signature = token.peerSignature(SERIES, NOW).orElseThrow();
        assertThat(signature).doesNotContain("s3cret");
        assertThat(token.acceptsPeer(signature, SERIES, NOW.plusSeconds(59))).isTrue();
        assertThat(token.acceptsPeer(signature, SERIES, NOW.plusSeconds(61))).as("a minute later").isFalse();
        assertThat(token.acceptsPeer(signature, URI.create("http://10.0.0.7:8080/api/local/series/task%7Cother?window=PT1H"), NOW))
                .as("another target").isFalse();
        assertThat(BearerToken.of(Optional.of("other")).acceptsPeer(signature, SERIES, NOW)).as("another cluster's token").isFalse();
        assertThat(token.acceptsPeer("garbage", SERIES, NOW)).isFalse();
        assertThat(token.acceptsPeer(null, SERIES, NOW)).isFalse();
        assertThat(BearerToken.of(Optional.empty()).peerSignature(SERIES, NOW)).isEmpty();
    }
}
