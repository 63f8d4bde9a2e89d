package io.tokenwatch.streams.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Progress written to a file or pipe is plain lines, not carriage-return frames; on a terminal it is one redrawn bar. */
class ProgressLineTest {

    @Test
    void notOnATerminalItPrintsPlainLinesTheFirstAndTheLastState() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressLine line = new ProgressLine(new PrintWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8)), false, "history");
        for (int hour = 1; hour <= 168; hour++) {
            line.update(hour, 168, hour + " hours");
        }
        line.finish();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\r");
        assertThat(text.lines().toList()).containsExactly("history      0% 1 hours", "history    100% 168 hours");
    }

    @Test
    void onATerminalItRedrawsOneBar() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressLine line = new ProgressLine(new PrintWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8)), true, "history");
        line.update(84, 168, "day 4/7");
        line.finish();
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("\rhistory    [###############...............]  50% day 4/7   " + System.lineSeparator());
    }
}
