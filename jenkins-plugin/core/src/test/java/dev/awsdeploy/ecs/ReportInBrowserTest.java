package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.awsdeploy.report.ReportPage;
import dev.awsdeploy.testing.Cli;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of a canary rolled back by an alarm, in Debian's chromium (headless), served from a local HTTP server
 * with Jenkins' default CSP header: it renders (a screenshot that is not blank, the chart in the DOM), the
 * stylesheet beside it loads, and the browser refuses nothing (no CSP violation in its log). A control page with
 * inline style proves the browser's log does report violations, so the check can fail.
 */
class ReportInBrowserTest extends BlueGreenTestBase {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    @TempDir
    Path dir;

    @Test
    void theCanaryRollbackReportRendersInChromiumUnderJenkinsDefaultCsp() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed at " + CHROMIUM
                + " (apt-get install chromium; .ci/run does): the browser check of the report is skipped");
        clock.at(Duration.ofMinutes(7), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));
        Path site = dir.resolve("site");
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--bake-time", "5m", "--alarms", "HighErrorRate", "--report", site.resolve("report.html").toString());
        assertEquals(3, r.exit(), r.toString());
        Files.writeString(site.resolve("control.html"), "<!DOCTYPE html><html><head><style>p{color:red}</style>"
                + "</head><body><p style=\"color:blue\">inline style</p></body></html>");

        List<String> served = new CopyOnWriteArrayList<>();
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", x -> {
            Path f = site.resolve(x.getRequestURI().getPath().substring(1)).normalize();
            served.add(x.getRequestURI().getPath());
            x.getResponseHeaders().add("Content-Security-Policy", ReportPage.CONTENT_SECURITY_POLICY);
            x.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
            if (!f.startsWith(site) || !Files.isRegularFile(f)) {
                x.sendResponseHeaders(404, -1);
                x.close();
                return;
            }
            byte[] body = Files.readAllBytes(f);
            x.getResponseHeaders().add("Content-Type", f.toString().endsWith(".css") ? "text/css"
                    : "text/html; charset=utf-8");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        http.start();
        try {
            String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/";
            Browser control = chromium(base + "control.html", "--dump-dom");
            assertTrue(refusals(control.log()).size() >= 2, "the browser's log reports CSP refusals (control page: "
                    + "an inline style element and attribute):\n" + control.log());

            Path png = dir.resolve("report.png");
            Browser shot = chromium(base + "report.html", "--screenshot=" + png, "--window-size=1100,1700");
            Browser dom = chromium(base + "report.html", "--dump-dom");

            assertEquals(List.of(), refusals(shot.log()), shot.log());
            assertEquals(List.of(), refusals(dom.log()), dom.log());
            assertTrue(served.contains("/" + ReportPage.STYLESHEET), "the stylesheet was fetched: " + served);
            assertTrue(dom.out().contains("id=\"traffic-chart\""), dom.out());
            assertTrue(dom.out().contains("rollback at 12:07:"), dom.out());
            assertTrue(dom.out().contains("hold 10 %"), dom.out());
            BufferedImage image = ImageIO.read(png.toFile());
            assertEquals(1100, image.getWidth());
            Set<Integer> colours = new HashSet<>();
            long dark = 0;
            for (int y = 0; y < image.getHeight(); y += 2) {
                for (int x = 0; x < image.getWidth(); x += 2) {
                    int rgb = image.getRGB(x, y) & 0xffffff;
                    colours.add(rgb);
                    if (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff) < 300) {
                        dark++;
                    }
                }
            }
            assertTrue(colours.size() > 50, "the screenshot is blank: " + colours.size() + " colours");
            assertTrue(dark > 2_000, "almost nothing drawn: " + dark + " dark pixels");
            assertTrue(colours.contains(0x0969da) || colours.stream().anyMatch(c -> near(c, 0x0969da)),
                    "the blue colour's traffic line is on the screenshot");
        } finally {
            http.stop(0);
        }
    }

    /**
     * CSP violations in chromium's log: "Refused to ..." in older versions, "... violates the following Content
     * Security Policy directive ..." in newer ones (seen with 156).
     */
    private static List<String> refusals(String log) {
        return log.lines().filter(l -> l.contains("Refused to") || l.contains("Content Security Policy")).toList();
    }

    private static boolean near(int rgb, int want) {
        return Math.abs(((rgb >> 16) & 0xff) - ((want >> 16) & 0xff)) < 12
                && Math.abs(((rgb >> 8) & 0xff) - ((want >> 8) & 0xff)) < 12
                && Math.abs((rgb & 0xff) - (want & 0xff)) < 12;
    }

    record Browser(String out, String log) {
    }

    /** One headless chromium run with the flags this machine needs, a fresh profile and its log on stderr. */
    private Browser chromium(String url, String... what) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(dir, "profile");
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
        cmd.addAll(List.of(what));
        cmd.add(url);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish in 120 s: " + Files.readString(err));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        return new Browser(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
