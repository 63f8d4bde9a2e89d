package io.tokenwatch.runtime.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AllowedHostsTest {

    @Test
    void onLoopbackOnlyTheLoopbackNamesAreAnswered() {
        AllowedHosts hosts = AllowedHosts.of("127.0.0.1", List.of());
        assertThat(hosts.permits("localhost:8080")).isTrue();
        assertThat(hosts.permits("127.0.0.1:8080")).isTrue();
        assertThat(hosts.permits("[::1]:8080")).isTrue();
        assertThat(hosts.permits("attacker.example:8080")).as("a rebound name").isFalse();
        assertThat(hosts.permits(null)).isFalse();
        assertThat(AllowedHosts.isLoopback("127.0.0.1")).isTrue();
        assertThat(AllowedHosts.isLoopback("0.0.0.0")).isFalse();
    }

    @Test
    void configuredNamesAreAddedAndEveryInterfaceWithoutNamesAnswersAny() {
        AllowedHosts named = AllowedHosts.of("0.0.0.0", List.of("tokenwatch.internal.example"));
        assertThat(named.permits("Tokenwatch.Internal.Example")).isTrue();
        assertThat(named.permits("attacker.example")).isFalse();
        assertThat(named.answersAnyName()).isFalse();
        assertThat(AllowedHosts.of("0.0.0.0", List.of()).permits("anything.example")).isTrue();
    }
}
