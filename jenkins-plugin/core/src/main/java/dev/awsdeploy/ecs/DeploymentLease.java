package dev.awsdeploy.ecs;

import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.StepFailedException;
import dev.awsdeploy.run.StepRun;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * One deployment at a time per service: a lease held in AWS, as the tag {@value #TAG} on everything the deploy
 * changes (the listener rule or listener, and both services), so two jobs or two controllers cannot interleave.
 *
 * <p>Tags have no compare-and-set, so the lease is taken as "last writer wins, confirmed": a run that finds no
 * live lease writes its own everywhere, waits {@link #SETTLE} for a concurrent writer to show, and reads back;
 * only when every resource still shows its token does it hold the lease. A run that loses backs off and waits.
 * The holder renews the expiry while it works ({@link #renewIfDue}) and checks it still holds it; a holder that
 * stops renewing (killed) loses it after {@link #TTL}, and the next run takes it over and says so.
 */
public final class DeploymentLease {
    public static final String TAG = "aws-deploy:lease";
    /** How long a lease lives without renewal: the wait after a holder was killed. */
    static final Duration TTL = Duration.ofMinutes(2);
    static final Duration RENEW_EVERY = TTL.dividedBy(3);
    /** Time for a concurrent writer's tag to become visible before the read-back decides. */
    static final Duration SETTLE = Duration.ofSeconds(2);
    static final Duration FIRST_POLL = Duration.ofSeconds(2);
    static final Duration MAX_POLL = Duration.ofSeconds(15);

    /** What one resource's lease tag says. */
    public record Holder(String token, String owner, Instant since, Instant expires) {
        String tagValue() {
            String head = "token=" + token + " since=" + since.truncatedTo(ChronoUnit.SECONDS) + " expires="
                    + expires.truncatedTo(ChronoUnit.SECONDS) + " owner=";
            return ResourceTags.value(head + owner);
        }

        static Holder parse(String value) {
            if (value == null) {
                return null;
            }
            Map<String, String> f = new LinkedHashMap<>();
            int owner = value.indexOf(" owner=");
            String head = owner < 0 ? value : value.substring(0, owner);
            for (String part : head.trim().split("\\s+")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    f.put(part.substring(0, eq), part.substring(eq + 1));
                }
            }
            try {
                return new Holder(f.getOrDefault("token", ""), owner < 0 ? "unknown" : value.substring(owner + 7),
                        Instant.parse(f.get("since")), Instant.parse(f.get("expires")));
            } catch (RuntimeException e) {
                // Unreadable (edited by hand): treat as a lease that expired long ago, so it cannot block forever.
                return new Holder(f.getOrDefault("token", ""), value, Instant.EPOCH, Instant.EPOCH);
            }
        }

        boolean expired(Instant now) {
            return !now.isBefore(expires);
        }

        String describe() {
            return owner + " since " + since.truncatedTo(ChronoUnit.SECONDS);
        }
    }

    /** Another run held the lease for all of lockTimeout: nothing was changed. */
    public static final class TimeoutException extends StepFailedException {
        private static final long serialVersionUID = 1L;
        private final transient Holder holder;

        TimeoutException(Holder holder, String message) {
            super(message);
            this.holder = holder;
        }

        public Holder holder() {
            return holder;
        }
    }

    /** The lease expired and another run took it over while this run still worked. */
    public static final class LostException extends StepFailedException {
        private static final long serialVersionUID = 1L;

        LostException(String message) {
            super(message);
        }
    }

    private final StepRun run;
    private final List<ResourceTags> places;
    private final String what;
    private final String owner;
    private String token;
    private Instant since;
    private Instant renewedAt;
    private boolean held;
    /** Whether taking the lease met another run (waited, took over, lost a race), and when it first looked. */
    private boolean contended;
    private Instant firstLook;

    /**
     * @param what the deployment target in a person's words, e.g. "myapp-blue/myapp-green"
     * @param places every resource the deploy changes; the first is where a person looks (the rule)
     */
    public DeploymentLease(StepRun run, String what, List<ResourceTags> places) {
        this.run = run;
        this.what = what;
        this.places = List.copyOf(places);
        this.owner = owner(run.env());
    }

    /** Who holds a lease: the Jenkins build's URL, or user@host and pid for the CLI. No credentials, ever. */
    static String owner(Map<String, String> env) {
        String url = env.get("BUILD_URL");
        if (url != null && !url.isBlank()) {
            try {
                URI u = URI.create(url.trim());
                if (u.getUserInfo() != null) {
                    u = new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null);
                }
                return u.toString();
            } catch (Exception e) {
                return url.trim().replaceAll("//[^/@]*@", "//");
            }
        }
        String user = env.getOrDefault("USER", System.getProperty("user.name", "unknown"));
        String host = env.get("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "unknown-host";
            }
        }
        return user + "@" + host + " pid " + ProcessHandle.current().pid();
    }

    /**
     * Whether what was read at {@code readAt} (before the lease was taken) is still the truth: no other run was
     * met, and the first look at the lease came less than {@link #SETTLE} after the read. Another deployment holds
     * its lease from at least SETTLE before its first change until after its last one, so it cannot have started
     * and finished in between unseen.
     */
    public boolean undisturbedSince(Instant readAt) {
        return held && !contended && firstLook != null && Duration.between(readAt, firstLook).compareTo(SETTLE) < 0;
    }

    public String token() {
        return token;
    }

    public boolean held() {
        return held;
    }

    public String owner() {
        return owner;
    }

    private Instant now() {
        return run.clock().now();
    }

    /** Reads every resource's lease tag (null where there is none). */
    Map<ResourceTags, Holder> readAll() {
        Map<ResourceTags, Holder> seen = new LinkedHashMap<>();
        for (ResourceTags p : places) {
            seen.put(p, Holder.parse(p.read().get(TAG)));
        }
        return seen;
    }

    /**
     * Takes the lease, waiting up to {@code lockTimeout} while another run holds it. {@code resumeToken} is the
     * token a resumed run saved in its state: a lease with that token is recognised as its own.
     *
     * @throws TimeoutException another run held it all that time (nothing was changed)
     */
    public void acquire(String resumeToken, Duration lockTimeout) {
        token = resumeToken != null ? resumeToken : UUID.randomUUID().toString();
        Instant started = now();
        Instant deadline = started.plus(lockTimeout);
        Duration poll = FIRST_POLL;
        boolean waited = false;
        contended = false;
        firstLook = null;
        while (true) {
            if (run.abort().aborted()) {
                throw new StepFailedException("aborted (" + run.abort().reason() + ") while waiting for the "
                        + "deployment lease on " + what + "; nothing was changed");
            }
            if (firstLook == null) {
                firstLook = now();
            }
            Map<ResourceTags, Holder> seen = readAll();
            Holder blocker = blocker(seen);
            if (blocker == null) {
                if (take(seen, resumeToken, waited, started)) {
                    return;
                }
                // Lost a race with a run that wrote at the same moment: back off a little, then wait for it.
                sleep(now().plusMillis(ThreadLocalRandom.current().nextLong(300, 1500)));
                continue;
            }
            waited = true;
            contended = true;
            run.progress().changed("lease", "lease", "Waiting for the deployment lease on " + what + ": held by "
                    + blocker.describe() + "; waiting up to " + Durations.format(lockTimeout) + " (lockTimeout)",
                    Map.of("owner", blocker.owner(), "since", blocker.since().toString()));
            if (!now().isBefore(deadline)) {
                throw new TimeoutException(blocker, "another deployment holds the lease on " + what + ": "
                        + blocker.describe() + " (" + Durations.format(lockTimeout) + " lockTimeout passed); nothing "
                        + "was changed");
            }
            Instant wake = min(min(now().plus(poll), deadline), blocker.expires().plusMillis(100));
            sleep(wake.isAfter(now()) ? wake : now().plusMillis(100));
            poll = poll.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : poll.multipliedBy(2);
        }
    }

    /** The first live lease of another run, if any. */
    private Holder blocker(Map<ResourceTags, Holder> seen) {
        for (Holder h : seen.values()) {
            if (h != null && !h.token().equals(token) && !h.expired(now())) {
                return h;
            }
        }
        return null;
    }

    private boolean take(Map<ResourceTags, Holder> seen, String resumeToken, boolean waited, Instant started) {
        Set<String> announced = new java.util.HashSet<>();
        Instant ourSince = null;
        for (Map.Entry<ResourceTags, Holder> e : seen.entrySet()) {
            Holder h = e.getValue();
            if (h == null) {
                continue;
            }
            if (h.token().equals(token)) {
                ourSince = ourSince == null || h.since().isBefore(ourSince) ? h.since() : ourSince;
            } else if (announced.add(h.token())) {
                contended = true;
                run.progress().say("lease", "Taking over the expired deployment lease of " + h.describe()
                        + " (it expired at " + h.expires().truncatedTo(ChronoUnit.SECONDS) + ": its run stopped "
                        + "renewing it, e.g. it was killed)", Map.of("owner", h.owner()));
            }
        }
        if (resumeToken != null && ourSince != null) {
            run.progress().say("lease", "Deployment lease on " + what + " is ours (token from the state): resuming");
        }
        since = ourSince != null ? ourSince : now();
        writeAll();
        sleep(now().plus(SETTLE));
        Map<ResourceTags, Holder> back = readAll();
        List<ResourceTags> notOurs = new ArrayList<>();
        Holder winner = null;
        for (Map.Entry<ResourceTags, Holder> e : back.entrySet()) {
            Holder h = e.getValue();
            if (h == null || !h.token().equals(token)) {
                notOurs.add(e.getKey());
                winner = winner == null ? h : winner;
            }
        }
        if (notOurs.isEmpty()) {
            held = true;
            renewedAt = now();
            String after = waited ? " after waiting " + Durations.format(Duration.between(started, now())) : "";
            run.progress().say("lease", "Deployment lease on " + what + " taken" + after + " (" + owner
                    + "; renewed while this run works, released at its end)", Map.of("owner", owner));
            return true;
        }
        contended = true;
        removeOurs();
        run.progress().say("lease", "Another run took the deployment lease on " + what + " at the same moment"
                + (winner == null ? "" : " (" + winner.describe() + ")") + ": waiting for it");
        return false;
    }

    private void writeAll() {
        Holder ours = new Holder(token, owner, since, now().plus(TTL));
        for (ResourceTags p : places) {
            p.write(Map.of(TAG, ours.tagValue()));
        }
    }

    /**
     * Renews the lease when a third of its life has passed, after checking that every resource still shows it.
     *
     * @throws LostException another run took the lease over (this run stopped renewing it for too long)
     */
    public void renewIfDue() {
        if (!held || now().isBefore(renewedAt.plus(RENEW_EVERY))) {
            return;
        }
        for (Map.Entry<ResourceTags, Holder> e : readAll().entrySet()) {
            Holder h = e.getValue();
            if (h != null && !h.token().equals(token)) {
                held = false;
                throw new LostException("the deployment lease on " + what + " was taken over by " + h.describe()
                        + " (this run had not renewed it for " + Durations.format(Duration.between(renewedAt,
                        now())) + "); stopped without changing anything more");
            }
        }
        writeAll();
        renewedAt = now();
    }

    /** Removes the lease wherever it is still ours. A failure is told, not thrown: the lease then expires. */
    public void release() {
        if (token == null) {
            return;
        }
        boolean wasHeld = held;
        held = false;
        List<String> failed = new ArrayList<>();
        for (ResourceTags p : places) {
            try {
                Holder h = Holder.parse(p.read().get(TAG));
                if (h != null && h.token().equals(token)) {
                    p.remove(List.of(TAG));
                }
            } catch (SdkException e) {
                failed.add(p.label() + " (" + dev.awsdeploy.aws.AwsFailure.describe(e) + ")");
            }
        }
        if (!failed.isEmpty()) {
            run.progress().say("lease", "Could not release the deployment lease on " + String.join(", ", failed)
                    + "; it expires by itself within " + Durations.format(TTL));
        } else if (wasHeld) {
            run.progress().say("lease", "Deployment lease on " + what + " released");
        }
    }

    private void removeOurs() {
        for (ResourceTags p : places) {
            Holder h = Holder.parse(p.read().get(TAG));
            if (h != null && h.token().equals(token)) {
                p.remove(List.of(TAG));
            }
        }
    }

    private void sleep(Instant until) {
        run.abort().sleepUntil(run.clock(), until);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
