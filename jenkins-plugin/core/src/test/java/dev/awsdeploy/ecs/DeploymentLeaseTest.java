package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.run.Event;
import dev.awsdeploy.run.StepClock;
import dev.awsdeploy.run.StepRun;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The deployment lease against moto: tags on the listener rule and both services, read back from AWS; waits with
 * one line, times out naming the holder, takes over an expired lease and says so, recognises its own on resume,
 * notices a takeover, and two runs racing for it never both hold it.
 */
class DeploymentLeaseTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();

    BlueGreenWorld world;
    FakeClock clock = new FakeClock();
    List<String> said = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void given() {
        world = BlueGreenWorld.standard(moto.url());
    }

    @AfterEach
    void close() {
        world.close();
    }

    private StepRun run(StepClock c, String buildUrl) {
        return StepRun.builder("ecsBlueGreen", null).clock(c).env(buildUrl == null ? Map.of("USER", "deployer",
                "HOSTNAME", "agent-7") : Map.of("BUILD_URL", buildUrl)).listener((Event e) -> said.add(e.message()))
                .build();
    }

    private List<ResourceTags> places() {
        return List.of(ResourceTags.elb(world.elb, world.rule, "rule"),
                ResourceTags.ecs(world.ecs, world.service("myapp-blue").serviceArn(), "service myapp-blue"),
                ResourceTags.ecs(world.ecs, world.service("myapp-green").serviceArn(), "service myapp-green"));
    }

    private DeploymentLease lease(StepRun run) {
        return new DeploymentLease(run, "myapp-blue/myapp-green", places());
    }

    /** What AWS shows as the lease on each of the three resources. */
    private List<DeploymentLease.Holder> inAws() {
        List<DeploymentLease.Holder> out = new ArrayList<>();
        for (ResourceTags p : places()) {
            out.add(DeploymentLease.Holder.parse(p.read().get(DeploymentLease.TAG)));
        }
        return out;
    }

    private void heldByAnother(String owner, Instant since, Instant expires) {
        String v = new DeploymentLease.Holder("other-token", owner, since, expires).tagValue();
        for (ResourceTags p : places()) {
            p.write(Map.of(DeploymentLease.TAG, v));
        }
    }

    @Test
    void aFreeLeaseIsTakenOnTheRuleAndBothServicesAndReleasedAtTheEnd() {
        DeploymentLease lease = lease(run(clock, "https://jenkins.example.com/job/myapp/57/"));

        lease.acquire(null, Duration.ofMinutes(5));

        List<DeploymentLease.Holder> held = inAws();
        assertEquals(3, held.size());
        for (DeploymentLease.Holder h : held) {
            assertEquals(lease.token(), h.token());
            assertEquals("https://jenkins.example.com/job/myapp/57/", h.owner());
            // Written before the settle pause that confirms it.
            assertEquals(clock.now().minus(DeploymentLease.SETTLE).plus(DeploymentLease.TTL).getEpochSecond(),
                    h.expires().getEpochSecond());
        }
        holds(said.toString(), said.stream().anyMatch(m -> m.startsWith("Deployment lease on "
                + "myapp-blue/myapp-green taken (https://jenkins.example.com/job/myapp/57/")));

        lease.release();

        assertEquals(Collections.nCopies(3, null), inAws());
        holds(said.toString(), said.contains("Deployment lease on myapp-blue/myapp-green released"));
    }

    @Test
    void aLeaseHeldByAnotherRunIsWaitedForWithOneLineThenTimesOutNamingTheOwner() {
        Instant since = clock.now().minusSeconds(30);
        heldByAnother("https://jenkins.example.com/job/other/12/", since, clock.now().plus(Duration.ofHours(1)));
        DeploymentLease lease = lease(run(clock, null));
        moto.startCounting();

        DeploymentLease.TimeoutException e = assertThrows(DeploymentLease.TimeoutException.class,
                () -> lease.acquire(null, Duration.ofMinutes(5)));

        assertEquals("another deployment holds the lease on myapp-blue/myapp-green: "
                + "https://jenkins.example.com/job/other/12/ since 2026-11-25T11:59:30Z (5m lockTimeout passed); "
                + "nothing was changed", e.getMessage());
        assertEquals("https://jenkins.example.com/job/other/12/", e.holder().owner());
        assertEquals(1, said.stream().filter(m -> m.startsWith("Waiting for the deployment lease")).count(), said
                .toString());
        holds(said.toString(), said.contains("Waiting for the deployment lease on myapp-blue/myapp-green: "
                + "held by https://jenkins.example.com/job/other/12/ since 2026-11-25T11:59:30Z; waiting up to 5m "
                + "(lockTimeout)"));
        assertEquals(List.of(), moto.mutatingRequests(), "a run that never got the lease changes nothing");
        for (DeploymentLease.Holder h : inAws()) {
            assertEquals("other-token", h.token());
        }
        assertTrue(Duration.between(Instant.parse("2026-11-25T12:00:00Z"), clock.now()).compareTo(
                Duration.ofMinutes(5)) >= 0, "it waited the whole lockTimeout");
    }

    @Test
    void aLeaseReleasedWhileWaitingIsTakenAndTheWaitIsTold() {
        heldByAnother("https://jenkins.example.com/job/other/12/", clock.now(), clock.now().plus(Duration.ofHours(1)));
        clock.at(Duration.ofSeconds(40), () -> places().forEach(p -> p.remove(List.of(DeploymentLease.TAG))));
        DeploymentLease lease = lease(run(clock, null));

        lease.acquire(null, Duration.ofMinutes(5));

        for (DeploymentLease.Holder h : inAws()) {
            assertEquals(lease.token(), h.token());
            assertEquals("deployer@agent-7 pid " + ProcessHandle.current().pid(), h.owner());
        }
        holds(said.toString(), said.stream().anyMatch(m -> m.matches("Deployment lease on myapp-blue/"
                + "myapp-green taken after waiting 4\\ds .*")));
        lease.release();
    }

    @Test
    void anExpiredLeaseOfAKilledRunIsTakenOverAndThatIsSaid() {
        heldByAnother("https://jenkins.example.com/job/other/12/", clock.now().minusSeconds(600),
                clock.now().minusSeconds(480));
        DeploymentLease lease = lease(run(clock, "https://jenkins.example.com/job/myapp/58/"));

        lease.acquire(null, Duration.ZERO);

        assertEquals(lease.token(), inAws().get(0).token());
        holds(said.toString(), said.contains("Taking over the expired deployment lease of "
                + "https://jenkins.example.com/job/other/12/ since 2026-11-25T11:50:00Z (it expired at "
                + "2026-11-25T11:52:00Z: its run stopped renewing it, e.g. it was killed)"));
        lease.release();
    }

    @Test
    void aResumedRunRecognisesItsOwnLeaseByTheTokenInItsState() {
        DeploymentLease first = lease(run(clock, "https://jenkins.example.com/job/myapp/57/"));
        first.acquire(null, Duration.ofMinutes(5));
        Instant since = inAws().get(0).since();
        clock.advance(Duration.ofSeconds(50));   // the controller restarted; the lease has not expired

        DeploymentLease resumed = lease(run(clock, "https://jenkins.example.com/job/myapp/57/"));
        resumed.acquire(first.token(), Duration.ZERO);

        assertEquals(first.token(), resumed.token());
        assertEquals(since, inAws().get(0).since(), "the lease keeps its start");
        holds(said.toString(), said.contains("Deployment lease on myapp-blue/myapp-green is ours (token "
                + "from the state): resuming"));
        assertFalse(said.stream().anyMatch(m -> m.startsWith("Waiting")), said.toString());
        resumed.release();
        assertEquals(Collections.nCopies(3, null), inAws());
    }

    @Test
    void theHolderRenewsItsLeaseAndNoticesWhenAnotherRunTookItOver() {
        DeploymentLease lease = lease(run(clock, null));
        lease.acquire(null, Duration.ZERO);
        clock.advance(Duration.ofSeconds(50));
        lease.renewIfDue();
        assertEquals(clock.now().plus(DeploymentLease.TTL).getEpochSecond(), inAws().get(1).expires()
                .getEpochSecond(), "renewed on the services too");

        heldByAnother("https://jenkins.example.com/job/other/13/", clock.now(), clock.now().plus(Duration.ofMinutes(2)));
        clock.advance(Duration.ofSeconds(50));
        DeploymentLease.LostException e = assertThrows(DeploymentLease.LostException.class, lease::renewIfDue);

        holds(e.getMessage(), e.getMessage().startsWith("the deployment lease on myapp-blue/myapp-green was "
                + "taken over by https://jenkins.example.com/job/other/13/"));
        lease.release();
        assertEquals("other-token", inAws().get(0).token(), "release leaves another run's lease alone");
    }

    @Test
    void twoRunsRacingForTheLeaseNeverBothHoldIt() throws Exception {
        DeploymentLease a = lease(run(StepClock.system(), "https://jenkins.example.com/job/a/1/"));
        DeploymentLease b = lease(run(StepClock.system(), "https://jenkins.example.com/job/b/1/"));
        CompletableFuture<String> ra = CompletableFuture.supplyAsync(() -> attempt(a));
        CompletableFuture<String> rb = CompletableFuture.supplyAsync(() -> attempt(b));

        List<String> outcomes = List.of(ra.get(60, TimeUnit.SECONDS), rb.get(60, TimeUnit.SECONDS));

        assertEquals(1, outcomes.stream().filter("held"::equals).count(), outcomes.toString());
        DeploymentLease winner = a.held() ? a : b;
        for (DeploymentLease.Holder h : inAws()) {
            assertEquals(winner.token(), h.token());
        }
        assertTrue(outcomes.stream().anyMatch(o -> o.startsWith("timed out: another deployment holds the lease on "
                + "myapp-blue/myapp-green: " + winner.owner())), outcomes.toString());
        winner.release();
        assertNull(inAws().get(0));
    }

    private static void holds(String shown, boolean condition) {
        assertTrue(condition, shown);
    }

    private static String attempt(DeploymentLease lease) {
        try {
            lease.acquire(null, Duration.ofSeconds(3));
            return "held";
        } catch (DeploymentLease.TimeoutException e) {
            return "timed out: " + e.getMessage();
        }
    }
}
