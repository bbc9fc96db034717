package dev.awsdeploy.ecr;

import dev.awsdeploy.run.StepClock;
import dev.awsdeploy.run.StepFailedException;
import dev.awsdeploy.run.Secrets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;

/**
 * The registry password from ECR GetAuthorizationToken, held in memory only (never written to a docker config or
 * any file) and registered as a secret so no output can show it. Fetched again when it is about to expire, so a
 * push that outlives the token (12 hours) carries on.
 */
final class EcrToken {
    /** ECR's documented token lifetime, used when the answer's expiry is missing or already past. */
    static final Duration LIFETIME = Duration.ofHours(12);
    private static final Duration MARGIN = Duration.ofMinutes(10);

    private final EcrClient ecr;
    private final String registryId;
    private final StepClock clock;
    private final Secrets secrets;
    private String user;
    private String password;
    private String proxyEndpoint;
    private Instant validUntil;
    private int fetches;

    EcrToken(EcrClient ecr, String registryId, StepClock clock, Secrets secrets) {
        this.ecr = ecr;
        this.registryId = registryId;
        this.clock = clock;
        this.secrets = secrets;
    }

    /** Fetches a token when none is held or the held one expires within the margin; true when it fetched. */
    synchronized boolean ensureFresh() {
        if (password != null && clock.now().isBefore(validUntil.minus(MARGIN))) {
            return false;
        }
        fetch();
        return true;
    }

    synchronized void fetch() {
        AuthorizationData data = ecr.getAuthorizationToken(r -> {
            if (registryId != null) {
                r.registryIds(registryId);
            }
        }).authorizationData().stream().findFirst()
                .orElseThrow(() -> new StepFailedException("ECR GetAuthorizationToken returned no token"));
        secrets.add(data.authorizationToken());
        String decoded = new String(Base64.getDecoder().decode(data.authorizationToken()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new StepFailedException("ECR GetAuthorizationToken returned a token that is not user:password");
        }
        user = decoded.substring(0, colon);
        password = decoded.substring(colon + 1);
        secrets.add(password);
        proxyEndpoint = data.proxyEndpoint();
        Instant now = Instant.now();
        Duration left = data.expiresAt() == null ? null : Duration.between(now, data.expiresAt());
        validUntil = clock.now().plus(left == null || left.isNegative() || left.isZero() ? LIFETIME : left);
        fetches++;
    }

    synchronized String user() {
        return user;
    }

    synchronized String password() {
        return password;
    }

    synchronized String proxyEndpoint() {
        return proxyEndpoint;
    }

    /** The account a registry endpoint names ({@code https://ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]}), or null. */
    static String registryAccount(String proxyEndpoint) {
        if (proxyEndpoint == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(?:https?://)?(\\d{12})\\.dkr\\.ecr[.-]")
                .matcher(proxyEndpoint);
        return m.find() ? m.group(1) : null;
    }

    synchronized int fetches() {
        return fetches;
    }
}
