package io.tokenwatch.streams.demo;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's demo, end to end and shorter: embedded broker, workload, incidents, scorecard. */
class DemoIT {

    @Test
    void detectsEveryInjectedIncidentWithoutFalseAlertsAndExitsCleanly() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        System.setOut(new PrintStream(new TeeOutputStream(captured, original), true, StandardCharsets.UTF_8));
        try {
            exit = new CommandLine(new DemoCommand()).execute("--seed", "42", "--duration", "85s",
                    "--first-incident-after", "2s", "--incident-spacing", "3s", "--http-port", "0", "--no-color");
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        List<String> lines = output.lines().toList();
        assertThat(exit).isZero();

        Matcher started = Pattern.compile("History processed after ([0-9.]+) s").matcher(output);
        assertThat(started.find()).as("demo reached live traffic").isTrue();
        assertThat(Double.parseDouble(started.group(1))).as("seconds to start").isLessThan(60);

        String last = lines.get(lines.size() - 1);
        Matcher score = Pattern.compile("scorecard: incidents=(\\d+) detected=(\\d+) false_alerts=(\\d+) max_delay_s=([0-9.]+)").matcher(last);
        assertThat(score.matches()).as("last line is the scorecard: " + last).isTrue();
        assertThat(score.group(1)).isEqualTo("5");
        assertThat(score.group(2)).as("detected").isEqualTo("5");
        assertThat(score.group(3)).as("false alerts").isEqualTo("0");
        assertThat(Double.parseDouble(score.group(4))).as("max detection delay, s").isLessThan(40);
    }

    /** Writes to two streams: the test reads the output, the log still shows it. */
    private static final class TeeOutputStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeOutputStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
