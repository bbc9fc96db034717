package dev.awsdeploy.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.awsdeploy.run.Secrets;
import java.io.FileInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ecr.EcrClient;

/**
 * The SDK clients' TLS trust is the JVM's default, only created late: an endpoint whose certificate the trust store
 * does not hold is refused before any request is answered, and one whose certificate it holds is spoken to. A real
 * TLS server on loopback with a certificate made for the test by keytool.
 */
class DefaultTrustTest {
    @TempDir
    Path tmp;

    private void keytool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                "keytool").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
    }

    private HttpsServer server(Path keystore, AtomicInteger answered) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx));
        s.createContext("/", ex -> {
            answered.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            byte[] body = "{\"repositories\":[]}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        s.start();
        return s;
    }

    private static EcrClient ecr(int port) {
        AwsContext ctx = AwsContext.builder().env(Map.of("AWS_ENDPOINT_URL", "https://127.0.0.1:" + port,
                        "AWS_ACCESS_KEY_ID", "testing", "AWS_SECRET_ACCESS_KEY", "testing"))
                .region("eu-west-1").secrets(new Secrets()).maxAttempts(1).build();
        return ctx.client(EcrClient.class, EcrClient::builder, "ECR");
    }

    @Test
    void anEndpointTheTrustStoreDoesNotHoldIsRefusedAndOneItHoldsIsSpokenTo() throws Exception {
        Path server = tmp.resolve("server.p12");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-dname", "CN=localhost", "-ext",
                "SAN=ip:127.0.0.1", "-validity", "2", "-keystore", server.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit");
        AtomicInteger answered = new AtomicInteger();
        HttpsServer s = server(server, answered);
        try {
            SdkClientException refused = assertThrows(SdkClientException.class,
                    () -> ecr(s.getAddress().getPort()).describeRepositories());
            assertTrue(String.valueOf(refused.getMessage()).contains("PKIX")
                    || String.valueOf(refused.getCause()).contains("PKIX"), String.valueOf(refused));
            assertEquals(0, answered.get(), "no request reached the untrusted endpoint");

            Path cert = tmp.resolve("server.cer");
            Path trust = tmp.resolve("trust.p12");
            keytool("-exportcert", "-alias", "server", "-keystore", server.toString(), "-storepass", "changeit",
                    "-file", cert.toString());
            keytool("-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(), "-keystore",
                    trust.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
            String before = System.getProperty("javax.net.ssl.trustStore");
            System.setProperty("javax.net.ssl.trustStore", trust.toString());
            System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
            try {
                // The trust store is read at the first handshake of a new client, not when the SDK client is built.
                AwsContext.shutdownShared();
                assertEquals(0, ecr(s.getAddress().getPort()).describeRepositories().repositories().size());
                assertEquals(1, answered.get());
            } finally {
                if (before == null) {
                    System.clearProperty("javax.net.ssl.trustStore");
                } else {
                    System.setProperty("javax.net.ssl.trustStore", before);
                }
                System.clearProperty("javax.net.ssl.trustStorePassword");
                AwsContext.shutdownShared();
            }
        } finally {
            s.stop(0);
        }
    }
}
