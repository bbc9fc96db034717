package dev.awsdeploy.ecr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.ecr.DockerArchive.SourceException;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Param;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.Progress;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepFailedException;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.Repository;

/**
 * {@code ecrPush}: pushes an image that a build produced (docker save archive, OCI layout or the local daemon) to an
 * ECR repository without a Docker daemon, and returns the immutable {@code repository@sha256:...} to deploy. Only
 * layers the repository lacks are sent, in parallel; a tag already on the same digest is left alone (unchanged); an
 * immutable tag on another digest is refused before anything is sent.
 */
public final class EcrPush {
    public static final List<Param> PARAMS = List.of(
            Param.string("source", "the image: docker-archive:PATH[:REF] (what docker save writes), oci:DIR[:REF] "
                    + "(an OCI image layout) or docker:IMAGE (the local Docker daemon, through docker save)"),
            Param.string("repository", "ECR repository name, e.g. myapp or team/myapp"),
            Param.string("registryId", "account id of the registry; default the caller's account"),
            Param.list("tags", "tags for the image, e.g. 1.4.2,latest; default the source's own tag"),
            Param.bool("createRepository", "create the repository when it does not exist (default false)"),
            Param.bool("scanOnPush", "with createRepository: scan each image on push (default false)"),
            Param.string("tagMutability", "with createRepository: MUTABLE (default) or IMMUTABLE"),
            Param.string("encryption", "with createRepository: AES256 (default) or KMS"),
            Param.string("kmsKey", "with encryption KMS: key ARN, id or alias (default the AWS managed key)"),
            Param.string("registryUrl", "push to this registry endpoint instead of the token's (VPC endpoint, proxy, "
                    + "test registry); plain http:// only to a loopback address"),
            Param.list("mountFrom", "repositories of the same registry to mount layers from instead of uploading "
                    + "them, e.g. team/base; a layer none of them holds is uploaded"),
            Param.string("platform", "with a multi-platform source (an image index): push only this platform's "
                    + "image, e.g. linux/arm64; default every platform, tagged through the index"));

    public static final StepDefinition DEFINITION = new StepDefinition("ecrPush", null, "ecr-push",
            "Push an image to ECR without a Docker daemon; unchanged when the tags already point to it", PARAMS,
            EcrPush::run);

    static final String REPOSITORY_PATTERN = "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*";
    static final String TAG_PATTERN = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    /** Layers from this size on report their progress at each quarter. */
    static final long LARGE_LAYER = 16L << 20;
    private static final int UPLOADS_IN_PARALLEL = 4;

    private EcrPush() {
    }

    /** The validated request. */
    record Request(String source, String repository, String registryId, List<String> tags, boolean create,
                   boolean scanOnPush, String tagMutability, String encryption, String kmsKey, URI registryUrl,
                   boolean dryRun, List<String> mountFrom, Platform platform) {
        Request withTags(List<String> t) {
            return new Request(source, repository, registryId, t, create, scanOnPush, tagMutability, encryption,
                    kmsKey, registryUrl, dryRun, mountFrom, platform);
        }
    }

    /** A blob ready to send: its digest, size and bytes. */
    record Ready(String digest, long size, EcrRegistry.Content content, String mediaType, String name, Spool spool) {
        Ready(String digest, long size, EcrRegistry.Content content, String mediaType, String name) {
            this(digest, size, content, mediaType, name, null);
        }
    }

    /**
     * An uncompressed layer being compressed into its spool: an upload into a repository that cannot hold it yet
     * (created by this push) follows the spool instead of waiting for the whole layer, and learns the digest when
     * the compression ends.
     */
    record Live(Spool spool, CompletableFuture<String> digest, String label, long rawSize) {
    }

    /**
     * How many layers are compressed (or hashed) at once: one fewer than the pool's threads (at least one) while the
     * step waits for AWS's answers, so that a core serves those calls, the client set-ups before them and the JIT
     * (on the 2-core benchmark the repository was created ~0.1 s sooner, and the 210 MB push ended sooner with it);
     * then one per thread.
     */
    static final class Lanes {
        private final java.util.concurrent.Semaphore permits;
        /** The lanes opened by {@link #widen}. */
        private final int more;
        private final java.util.concurrent.atomic.AtomicBoolean widened =
                new java.util.concurrent.atomic.AtomicBoolean();

        Lanes(int width) {
            int first = Math.max(1, width - 1);
            this.permits = new java.util.concurrent.Semaphore(first);
            this.more = width - first;
        }

        <T> T run(java.util.concurrent.Callable<T> work) throws Exception {
            permits.acquire();
            try {
                return work.call();
            } finally {
                permits.release();
            }
        }

        /** AWS has answered: every lane open (once). */
        void widen() {
            if (widened.compareAndSet(false, true)) {
                permits.release(more);
            }
        }
    }

    /** The layers whose compression has started, told to whoever follows them (once, in order). */
    static final class LiveLayers {
        private final List<Live> started = new ArrayList<>();
        private java.util.function.Consumer<Live> follower;

        synchronized void started(Live l) {
            started.add(l);
            if (follower != null) {
                follower.accept(l);
            }
        }

        /** From now on every started layer (those started already first) goes to {@code f}. */
        synchronized void follow(java.util.function.Consumer<Live> f) {
            follower = f;
            started.forEach(f);
        }
    }

    /** A byte range of a file (a layer inside an archive, a blob of a layout), streamed, never held in memory. */
    static EcrRegistry.Content fileRange(Path file, long offset, long size) {
        return out -> {
            byte[] buf = new byte[1 << 18];
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.READ)) {
                long pos = offset;
                long end = offset + size;
                while (pos < end) {
                    int n = LayerGzip.read(ch, buf, pos, (int) Math.min(buf.length, end - pos));
                    out.write(buf, 0, n);
                    pos += n;
                }
            }
        };
    }

    public static StepResult run(Map<String, Object> input, StepRun run) {
        long started = System.nanoTime();
        Trace.start(run.env());
        Params p = new Params(input, PARAMS);
        Path work = null;
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Lanes lanes = new Lanes(threads);
        ExecutorService coordinator = Executors.newSingleThreadExecutor();
        List<Spool> spools = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            work = Files.createTempDirectory("aws-deploy-ecr");
            Request req = request(p, run);
            LocalImage image = openSource(p, req, work, run.env());
            List<String> tags = tags(p, req, image);
            p.check();
            Trace.mark("input checked, source read");
            run.record().inputs(p.given());
            // Digests (and compression of uncompressed layers) run while AWS is asked about the repository.
            Path folder = work;
            LayerCache cache = LayerCache.from(run.env());
            LayerChecks checks = new LayerChecks(pool, cache);
            CompletableFuture<List<CompletableFuture<Ready>>> early = new CompletableFuture<>();
            LiveLayers live = new LiveLayers();
            Future<Prepared> prepared = coordinator.submit(() -> {
                try {
                    return prepare(image, folder, pool, lanes, run.progress(), spools, cache, checks, early, live);
                } finally {
                    early.complete(List.of());
                }
            });
            // The registry's HTTP stack starts while AWS answers (the ECR client is built by this thread at once).
            boolean tls = req.registryUrl() == null || !"http".equalsIgnoreCase(req.registryUrl().getScheme());
            Thread warm = new Thread(() -> EcrRegistry.warmUp(tls), "ecr-push-warm-up");
            warm.setDaemon(true);
            warm.start();
            return push(run, p, req.withTags(tags), image, prepared, early, live, checks, lanes, started);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            coordinator.shutdownNow();
            pool.shutdownNow();
            try {
                pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            spools.forEach(Spool::release);
            deleteQuietly(work);
            Trace.mark("step finished (the CLI then writes the result and the JVM exits)");
        }
    }

    static Request request(Params p, StepRun run) {
        String source = p.required("source", "give the image, e.g. docker-archive:build/image.tar");
        if (source != null) {
            String scheme = ImageSource.scheme(source);
            if (scheme == null || !ImageSource.SCHEMES.contains(scheme)) {
                p.problem("source", source, scheme == null ? "has no scheme" : "has an unknown scheme '" + scheme + "'",
                        scheme == null ? "write docker-archive:" + source + ", oci:" + source + " or docker:" + source
                                : Params.suggestion(scheme, ImageSource.SCHEMES,
                                "use docker-archive:PATH, oci:DIR or docker:IMAGE"));
            }
        }
        String repository = p.required("repository", "give the ECR repository name, e.g. myapp");
        if (repository != null && (repository.length() < 2 || repository.length() > 256
                || !repository.matches(REPOSITORY_PATTERN))) {
            String lower = repository.toLowerCase(Locale.ROOT).replaceAll("\\s+", "-");
            p.problem("repository", repository, "is not a valid ECR repository name (2-256 characters: lower-case "
                    + "letters, digits and . _ - /, each part starting with a letter or digit)",
                    lower.matches(REPOSITORY_PATTERN) ? "did you mean '" + lower + "'?" : "use a name like team/myapp");
        }
        String registryId = p.string("registryId");
        if (registryId != null && !registryId.matches("\\d{12}")) {
            p.problem("registryId", registryId, "is not an AWS account id", "give the 12 digits, e.g. 123456789012");
        }
        boolean create = p.bool("createRepository", false);
        boolean scan = p.bool("scanOnPush", false);
        String mutability = p.oneOf("tagMutability", "MUTABLE", List.of("MUTABLE", "IMMUTABLE"));
        String encryption = p.oneOf("encryption", null, List.of("AES256", "KMS"));
        String kmsKey = p.string("kmsKey");
        if (!create) {
            for (String onlyOnCreate : List.of("scanOnPush", "tagMutability", "encryption", "kmsKey")) {
                if (p.has(onlyOnCreate)) {
                    p.problem(onlyOnCreate, p.string(onlyOnCreate), "only applies when the repository is created",
                            "add createRepository: true, or change the existing repository's settings in ECR");
                }
            }
        }
        if (kmsKey != null && !"KMS".equals(encryption)) {
            p.problem("kmsKey", kmsKey, "needs encryption KMS" + (encryption == null ? "" : ", not " + encryption),
                    "add encryption: 'KMS', or drop kmsKey");
        }
        URI registryUrl = registryUrl(p);
        List<String> mountFrom = new ArrayList<>(new LinkedHashSet<>(p.list("mountFrom")));
        for (String m : mountFrom) {
            if (!m.matches(REPOSITORY_PATTERN)) {
                p.problem("mountFrom", m, "is not a valid ECR repository name",
                        "name repositories of the same registry, e.g. team/base");
            } else if (m.equals(repository)) {
                p.problem("mountFrom", m, "is the repository pushed to", "name other repositories, or drop it");
            }
        }
        String platformName = p.string("platform");
        Platform platform = null;
        if (platformName != null) {
            if (platformName.matches(Platform.PATTERN)) {
                platform = Platform.parse(platformName);
            } else {
                p.problem("platform", platformName, "is not a platform", "write os/architecture[/variant], e.g. "
                        + "linux/amd64 or linux/arm64/v8");
            }
        }
        boolean dryRun = run.dryRun(p);
        return new Request(source, repository, registryId, List.of(), create, scan, mutability,
                encryption == null ? "AES256" : encryption, kmsKey, registryUrl, dryRun, List.copyOf(mountFrom),
                platform);
    }

    private static URI registryUrl(Params p) {
        String value = p.string("registryUrl");
        if (value == null) {
            return null;
        }
        URI uri;
        try {
            uri = URI.create(value.contains("://") ? value : "https://" + value);
        } catch (IllegalArgumentException e) {
            p.problem("registryUrl", value, "is not a URL", "write it like https://123456789012.dkr.ecr.eu-west-1"
                    + ".amazonaws.com");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            p.problem("registryUrl", value, "is not an http(s) URL with a host", "write it like https://host[:port]");
            return null;
        }
        if (uri.getUserInfo() != null) {
            p.problem("registryUrl", "(a URL with user information)", "must not hold credentials",
                    "drop user:password@; the ECR token is used");
            return null;
        }
        if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
            p.problem("registryUrl", value, "has a path", "give only scheme, host and port");
            return null;
        }
        if (scheme.equals("http") && !loopback(uri.getHost())) {
            p.problem("registryUrl", value, "is plain http to a host that is not this machine, which would send the "
                    + "ECR password unencrypted", "use https://, or http:// only to 127.0.0.1, localhost or [::1]");
            return null;
        }
        return uri;
    }

    static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // no DNS look-up: a name could resolve anywhere
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static LocalImage openSource(Params p, Request req, Path work, Map<String, String> env) {
        if (req.source() == null || p.problems().stream().anyMatch(x -> x.parameter().equals("source"))) {
            return null;
        }
        try {
            return ImageSource.open(req.source(), work, env, req.platform());
        } catch (Platform.PlatformException e) {
            p.problem("platform", String.valueOf(req.platform()), "cannot be pushed: the source " + e.getMessage(),
                    e.fix());
            return null;
        } catch (SourceException e) {
            p.problem("source", req.source(), e.getMessage(), e.fix());
            return null;
        }
    }

    private static List<String> tags(Params p, Request req, LocalImage image) {
        List<String> tags = new ArrayList<>(new LinkedHashSet<>(p.list("tags")));
        for (String t : tags) {
            if (!t.matches(TAG_PATTERN)) {
                p.problem("tags", t, "is not a valid image tag (1-128 letters, digits, _ . -; not starting with . or -)",
                        "use a tag like 1.4.2 or build-57");
            }
        }
        if (tags.isEmpty() && image != null) {
            if (image.ownTag() != null && image.ownTag().matches(TAG_PATTERN)) {
                tags.add(image.ownTag());
            } else {
                p.problem("tags", null, "are required: the source has no tag of its own",
                        "give tags, e.g. tags: ['1.4.2'] (--tags 1.4.2)");
            }
        }
        return tags;
    }

    private static StepResult push(StepRun run, Params p, Request req, LocalImage image, Future<Prepared> prepared,
                                   CompletableFuture<List<CompletableFuture<Ready>>> early, LiveLayers live,
                                   LayerChecks checks, Lanes lanes, long started)
            throws IOException {
        Progress progress = run.progress();
        // No STS call: the ECR token (needed anyway) names the registry's account; see identify below.
        AwsContext aws = AwsContext.forRunWithoutIdentity(run, p);
        Trace.mark("AWS context (credentials, region) ready");
        EcrClient ecr = aws.client(EcrClient.class, EcrClient::builder, "ECR");
        Trace.mark("ECR client built");
        EcrToken token = new EcrToken(ecr, req.registryId(), run.clock(), run.secrets());
        // Both are reads; asking at once saves a round trip.
        long asked = System.nanoTime();
        java.util.concurrent.CompletableFuture<Void> tokenFetched = java.util.concurrent.CompletableFuture.runAsync(
                () -> {
                    token.ensureFresh();
                    Trace.span("ECR GetAuthorizationToken (concurrent)", asked);
                });
        Repository repo = EcrRepository.describe(ecr, req.repository(), req.registryId());
        Trace.span("ECR DescribeRepositories (concurrent)", asked);
        await(tokenFetched);
        String account = identify(run, req, repo, token, aws);
        if (repo == null && !req.create()) {
            throw new BadInputException("repository", req.repository(), "does not exist in the registry of account "
                    + account + " in " + aws.region().id(), "create it first, or pass createRepository: true "
                    + "(--create-repository) with scanOnPush, tagMutability and encryption as wanted");
        }
        if (repo != null) {
            run.record().before("repository", Map.of("uri", repo.repositoryUri(), "tagMutability",
                    String.valueOf(repo.imageTagMutabilityAsString())));
            if (req.create()) {
                run.progress().say("decision", "Repository " + req.repository() + " exists (" + repo
                        .imageTagMutabilityAsString() + " tags, scan on push " + (repo.imageScanningConfiguration() != null
                        && Boolean.TRUE.equals(repo.imageScanningConfiguration().scanOnPush()) ? "on" : "off")
                        + "): createRepository leaves its settings as they are");
            }
        }
        // IMMUTABLE_WITH_EXCLUSION repositories are judged by ECR itself when the tag is written.
        boolean immutable = repo != null ? "IMMUTABLE".equals(repo.imageTagMutabilityAsString())
                : req.tagMutability().equals("IMMUTABLE");

        URI endpoint = req.registryUrl() != null ? req.registryUrl() : URI.create(token.proxyEndpoint());
        String host = endpoint.getHost() + (endpoint.getPort() > 0 ? ":" + endpoint.getPort() : "");
        boolean plainHttp = "http".equalsIgnoreCase(endpoint.getScheme());
        String repoUri = repo != null ? repo.repositoryUri()
                : URI.create(token.proxyEndpoint()).getHost() + "/" + req.repository();

        List<LocalImage.Layer> distinct = image.isIndex() ? List.copyOf(image.layers().stream().collect(
                java.util.stream.Collectors.toMap(LocalImage.Layer::digest, l -> l, (a, b) -> a, LinkedHashMap::new))
                .values()) : image.layers();
        progress.say("plan", "Pushing " + image.description() + " (" + (image.isIndex() ? image.images().size()
                + " images, " : "") + distinct.size() + " layer" + (distinct.size() == 1 ? ", " : "s, ")
                + mb(distinct.stream().mapToLong(LocalImage.Layer::size).sum()) + ") to " + repoUri
                + (req.registryUrl() != null ? " through " + endpoint : "") + " as " + String.join(", ", req.tags())
                + (req.mountFrom().isEmpty() ? "" : ", mounting layers from " + String.join(", ", req.mountFrom())));

        try (EcrRegistry registry = new EcrRegistry(host, plainHttp, req.repository(), token, run.clock(), account);
             Uploader uploader = new Uploader(registry, progress, repo != null, req.mountFrom(), checks)) {
            boolean created = false;
            if (repo == null && !req.dryRun()) {
                // A new repository holds no tag to compare with and no layer: create it now, and send each layer
                // while it is compressed (without mountFrom, which needs the digest first), the others as soon as
                // they are ready.
                long t = System.nanoTime();
                repo = EcrRepository.create(aws, req, progress, run.clock());
                Trace.span("ECR CreateRepository", t);
                created = true;
                if (req.mountFrom().isEmpty()) {
                    live.follow(uploader::follow);
                }
                for (CompletableFuture<Ready> layer : await(early)) {
                    layer.thenAccept(uploader::send);
                }
            }
            lanes.widen(); // AWS has answered (and the repository exists now)
            Prepared ready = await(prepared);
            Trace.mark("image prepared (digests; compression of uncompressed layers)");
            byte[] manifest = ready.manifest();
            String mediaType = ready.mediaType();
            String digest = sha256(manifest);
            String imageUri = repoUri + "@" + digest;

            Map<String, String> before = new LinkedHashMap<>();
            List<String> toTag = new ArrayList<>();
            List<String> conflicts = new ArrayList<>();
            for (String tag : req.tags()) {
                Optional<String> current = repo == null || created ? Optional.empty() : registry.tagDigest(tag);
                before.put(tag, current.orElse(null));
                if (current.isPresent() && current.get().equals(digest)) {
                    continue;
                }
                toTag.add(tag);
                if (current.isPresent() && immutable) {
                    conflicts.add(tag + " (now " + current.get() + ")");
                }
            }
            run.record().before("tags", before);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("imageUri", imageUri);
            fields.put("digest", digest);
            fields.put("tags", req.tags());
            fields.put("repositoryUri", repoUri);
            if (image.isIndex()) {
                fields.put("platforms", ready.children().stream().map(Child::platform)
                        .filter(EcrPush::isPlatform).toList());
            }
            if (!conflicts.isEmpty()) {
                checks.verify();
                String msg = "repository " + req.repository() + " has immutable tags, and " + String.join(", ",
                        conflicts) + " already point" + (conflicts.size() == 1 ? "s" : "") + " to another image than "
                        + digest + "; push under a new tag (e.g. the build number): an immutable tag is never moved";
                progress.say("decision", msg);
                fields.putAll(counts(Sent.NONE, 0, started));
                return StepResult.of(Outcome.FAILED, "tag-conflict", msg, fields);
            }
            if (toTag.isEmpty()) {
                checks.verify();
                progress.say("decision", (req.tags().size() == 1 ? "Tag " + req.tags().get(0) + " already points"
                        : "Tags " + String.join(", ", req.tags()) + " already point") + " to " + digest
                        + ": unchanged, nothing uploaded");
                fields.putAll(counts(Sent.NONE, ready.layerCount(), started));
                run.record().after("tags", before);
                return StepResult.of(Outcome.SUCCEEDED, "unchanged", imageUri + " unchanged", fields);
            }
            if (req.dryRun()) {
                checks.verify();
                long missing = 0;
                for (Ready l : ready.layers()) {
                    missing += repo != null && registry.hasBlob(l.digest()) ? 0 : 1;
                }
                String plan = "Dry run: would " + (repo == null ? "create repository " + req.repository() + ", " : "")
                        + (req.mountFrom().isEmpty() ? "upload " : "mount or upload ") + missing + " of "
                        + ready.layerCount() + " layers and tag " + String.join(", ", toTag);
                progress.say("plan", plan);
                fields.put("dryRun", true);
                fields.putAll(counts(Sent.NONE, 0, started));
                return StepResult.of(Outcome.SUCCEEDED, "would-push", plan, fields);
            }
            long t = System.nanoTime();
            ready.blobs().stream().filter(b -> !isConfig(b)).sorted(Comparator.comparingLong(Ready::size).reversed())
                    .forEach(uploader::send);
            ready.blobs().stream().filter(EcrPush::isConfig).forEach(uploader::send);
            Sent sent = uploader.finish();
            Trace.span("all blobs sent (" + UPLOADS_IN_PARALLEL + " in parallel)", t);
            checks.verify();
            Trace.mark("layers checked against the config");
            for (Child c : ready.children()) {
                registry.pushManifest(c.manifest(), c.mediaType(), c.digest());
            }
            if (!ready.children().isEmpty()) {
                progress.say("progress", "Wrote the manifests of " + ready.children().size() + " platform images ("
                        + ready.children().stream().map(Child::platform).collect(java.util.stream.Collectors
                        .joining(", ")) + ")");
            }
            Map<String, String> after = new LinkedHashMap<>(before);
            for (String tag : toTag) {
                StepResult lost = writeTag(registry, manifest, mediaType, tag, digest, immutable, req, progress);
                if (lost != null) {
                    run.record().after("tags", after);
                    fields.putAll(counts(sent, ready.layerCount(), started));
                    return StepResult.of(lost.outcome(), lost.status(), lost.summary(), fields);
                }
                after.put(tag, digest);
                progress.action("PutImage", repoUri + ":" + tag, "Tagged " + digest + " as " + req.repository() + ":"
                        + tag + (before.get(tag) != null ? " (was " + before.get(tag) + ")" : ""));
            }
            run.record().after("tags", after);
            run.record().after("imageUri", imageUri);
            Trace.mark("pushed");
            fields.putAll(counts(sent, ready.layerCount(), started));
            return StepResult.of(Outcome.SUCCEEDED, "pushed", imageUri + " pushed (" + sent.uploaded() + " of "
                    + ready.layerCount() + " layers uploaded" + (sent.mounted() > 0 ? ", " + sent.mounted()
                    + " mounted" : "") + ", " + mb(sent.bytes()) + ")", fields);
        }
    }

    /**
     * Writes one tag. On an immutable repository a refused write is read back: a tag another push gave to another
     * image between our check and our write is the same conflict as one found before (exit 3, never moved); a tag
     * already on our digest is done. Returns the conflict, or null when the tag now points to the digest.
     */
    private static StepResult writeTag(EcrRegistry registry, byte[] manifest, String mediaType, String tag,
                                       String digest, boolean immutable, Request req, Progress progress) {
        try {
            registry.pushManifest(manifest, mediaType, tag);
            return null;
        } catch (StepFailedException e) {
            if (!immutable && !(e instanceof EcrRegistry.TagRefusedException)) {
                throw e;
            }
            Optional<String> now = registry.tagDigest(tag);
            if (now.isPresent() && now.get().equals(digest)) {
                return null;
            }
            if (now.isEmpty()) {
                throw e;
            }
            String msg = "tag " + tag + " was given to another image (" + now.get() + ") by another push between "
                    + "this push's check and its write; repository " + req.repository() + " has immutable tags, so "
                    + "it stays there: push under a new tag (e.g. the build number)";
            progress.say("decision", msg);
            return StepResult.of(Outcome.FAILED, "tag-conflict", msg, Map.of());
        }
    }

    /**
     * Tells once who the push acts as. The account comes from what the push needs anyway — registryId, the
     * repository's registry id, or the ECR token's endpoint ({@code ACCOUNT.dkr.ecr.REGION.amazonaws.com}) — so no
     * STS call is made; only when none names it is the caller identity read.
     */
    private static String identify(StepRun run, Request req, Repository repo, EcrToken token, AwsContext aws) {
        String account = req.registryId() != null ? req.registryId()
                : repo != null && repo.registryId() != null ? repo.registryId()
                : EcrToken.registryAccount(token.proxyEndpoint());
        if (account == null) {
            Map<String, Object> who = aws.identity();
            tell(run, aws, who, "AWS account " + who.get("account") + " as " + who.get("arn"));
            return String.valueOf(who.get("account"));
        }
        if (req.registryId() != null) {
            tell(run, aws, Map.of("registryAccount", account, "from", "registryId"), "Registry of AWS account "
                    + account + " (registryId; the caller's identity is not read: ecrPush makes no STS call)");
        } else {
            tell(run, aws, Map.of("account", account, "from", "ECR authorization token"), "AWS account " + account
                    + " (the registry the credentials' ECR token is for; the caller's ARN is not read: ecrPush "
                    + "makes no STS call)");
        }
        return account;
    }

    /** Records who the run acts as, and tells it once. */
    private static void tell(StepRun run, AwsContext aws, Map<String, Object> identity, String said) {
        Map<String, Object> who = new LinkedHashMap<>(identity);
        who.put("region", aws.region().id());
        run.record().identity(who);
        run.progress().say("identity", said + " in " + aws.region().id(), who);
    }

    /** What the upload did: bytes sent, layers uploaded, layers mounted from another repository. */
    record Sent(long bytes, int uploaded, int mounted) {
        static final Sent NONE = new Sent(0, 0, 0);
    }

    private static Map<String, Object> counts(Sent sent, int layers, long started) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytesUploaded", sent.bytes());
        m.put("layersUploaded", sent.uploaded());
        m.put("layersMounted", sent.mounted());
        m.put("layersSkipped", Math.max(0, layers - sent.uploaded() - sent.mounted()));
        m.put("durationMs", (System.nanoTime() - started) / 1_000_000);
        return m;
    }

    /** One platform's image of an index: its manifest, pushed by digest before the index. */
    record Child(byte[] manifest, String mediaType, String digest, String platform) {
    }

    /**
     * The image as it will be sent: every blob (layers, then configs; an index's platforms share some), the
     * platform images of an index, and the manifest (or index) the tags get.
     */
    record Prepared(List<Ready> blobs, List<Child> children, byte[] manifest, String mediaType) {
        List<Ready> layers() {
            Map<String, Ready> unique = new LinkedHashMap<>();
            blobs.stream().filter(b -> !isConfig(b)).forEach(b -> unique.putIfAbsent(b.digest(), b));
            return List.copyOf(unique.values());
        }

        int layerCount() {
            return layers().size();
        }
    }

    /** Not an attestation manifest, which docker buildx lists as {@code unknown/unknown}. */
    static boolean isPlatform(String platform) {
        return platform != null && !platform.startsWith("unknown/");
    }

    static boolean isConfig(Ready r) {
        return "config".equals(r.name());
    }

    private static Prepared prepare(LocalImage image, Path work, ExecutorService pool, Lanes lanes,
                                    Progress progress,
                                    List<Spool> spools, LayerCache cache, LayerChecks checks,
                                    CompletableFuture<List<CompletableFuture<Ready>>> early, LiveLayers live)
            throws IOException {
        if (image.isIndex()) {
            List<Ready> layers = new ArrayList<>();
            List<Ready> configs = new ArrayList<>();
            List<Child> children = new ArrayList<>();
            for (LocalImage child : image.images()) {
                for (LocalImage.Layer l : child.layers()) {
                    layers.add(asIs(l));
                }
                configs.add(configBlob(child));
                children.add(new Child(child.manifest(), child.manifestMediaType(), sha256(child.manifest()),
                        child.platform()));
            }
            List<Ready> blobs = new ArrayList<>(layers);
            blobs.addAll(configs);
            return new Prepared(blobs, children, image.manifest(), image.manifestMediaType());
        }
        List<Ready> layers = prepareLayers(image, work, pool, lanes, progress, spools, cache, checks, early, live);
        Ready config = configBlob(image);
        byte[] manifest = manifest(image, layers, config);
        String mediaType = image.manifest() != null ? image.manifestMediaType()
                : Json.MAPPER.readTree(manifest).path("mediaType").asText();
        List<Ready> blobs = new ArrayList<>(layers);
        blobs.add(config);
        return new Prepared(blobs, List.of(), manifest, mediaType);
    }

    /** A blob of an OCI layout pushed byte for byte under the digest its manifest names (the registry checks it). */
    private static Ready asIs(LocalImage.Layer l) {
        String type = l.mediaType() != null ? l.mediaType() : switch (l.compression()) {
            case ZSTD -> LocalImage.OCI_LAYER_ZSTD;
            default -> LocalImage.OCI_LAYER_GZIP;
        };
        return new Ready(l.digest(), l.size(), fileRange(l.file(), l.offset(), l.size()), type, l.name());
    }

    /**
     * Digests of every layer; uncompressed layers are gzipped (in parallel) into the run's folder first, unless the
     * layer cache knows what this content compresses to — then the layer is compressed only if it must be sent.
     */
    private static List<Ready> prepareLayers(LocalImage image, Path work, ExecutorService pool, Lanes lanes,
                                             Progress progress,
                                             List<Spool> spools, LayerCache cache, LayerChecks checks,
                                             CompletableFuture<List<CompletableFuture<Ready>>> early,
                                             LiveLayers live) {
        List<LocalImage.Layer> raw = image.layers().stream()
                .filter(l -> l.compression() == LocalImage.Compression.NONE).toList();
        long t0 = System.nanoTime();
        List<CompletableFuture<Ready>> futures = new ArrayList<>();
        boolean docker = image.manifest() == null && !image.layers().stream()
                .anyMatch(l -> l.compression() == LocalImage.Compression.ZSTD);
        java.util.concurrent.atomic.AtomicInteger fromCache = new java.util.concurrent.atomic.AtomicInteger();
        List<String> diffIds = diffIds(image);
        for (int i = 0; i < image.layers().size(); i++) {
            LocalImage.Layer l = image.layers().get(i);
            int n = i;
            futures.add(CompletableFuture.supplyAsync(() -> laned(lanes, () -> {
                if (image.manifest() != null && l.digest() != null) {
                    return asIs(l);
                }
                String type = switch (l.compression()) {
                    case ZSTD -> LocalImage.OCI_LAYER_ZSTD;
                    default -> docker ? LocalImage.DOCKER_LAYER_GZIP : LocalImage.OCI_LAYER_GZIP;
                };
                if (l.compression() == LocalImage.Compression.NONE) {
                    Path spillFile = work.resolve("layer-" + n + ".tar.gz");
                    String diffId = n < diffIds.size() ? diffIds.get(n) : null;
                    LayerCache.Hit hit = cache.lookup(l, diffId);
                    if (hit != null) {
                        fromCache.incrementAndGet();
                        return new Ready(hit.digest(), hit.size(), lazyCompressed(l, hit, spillFile, spools,
                                () -> cache.forget(diffId)), type, l.name());
                    }
                    Spool spool = new Spool(spillFile);
                    spools.add(spool);
                    String label = "layer " + (n + 1) + " of " + image.layers().size();
                    checks.add(spool, l, n, diffId, label);
                    CompletableFuture<String> digest = new CompletableFuture<>();
                    live.started(new Live(spool, digest, label, l.size()));
                    LayerGzip.Result r;
                    try {
                        r = LayerGzip.compress(l, spool);
                    } catch (IOException | RuntimeException e) {
                        digest.completeExceptionally(e);
                        throw e;
                    }
                    checks.compressed(spool, r.digest(), r.size());
                    digest.complete(r.digest());
                    return new Ready(r.digest(), r.size(), spool::writeTo, type, l.name(), spool);
                }
                return new Ready(LayerGzip.digest(l.file(), l.offset(), l.size()), l.size(),
                        fileRange(l.file(), l.offset(), l.size()), type, l.name());
            }), pool));
        }
        early.complete(List.copyOf(futures));
        List<Ready> out = new ArrayList<>();
        for (Future<Ready> f : futures) {
            out.add(await(f));
        }
        if (!raw.isEmpty()) {
            long compressed = spools.stream().mapToLong(Spool::size).sum();
            int hits = fromCache.get();
            progress.say("progress", (hits == raw.size() ? "" : "Compressed " + (raw.size() - hits) + " uncompressed "
                    + "layer" + (raw.size() - hits == 1 ? "" : "s") + " to " + mb(compressed))
                    + (hits > 0 ? (hits == raw.size() ? "" : "; ") + hits + " uncompressed layer" + (hits == 1 ? "" : "s")
                    + " read and found in the layer cache (compressed only if sent)" : "")
                    + " in " + seconds(System.nanoTime() - t0));
        }
        return out;
    }

    /** Work on one of the lanes, its I/O failure unchecked (as the pool's tasks need). */
    private static <T> T laned(Lanes lanes, java.util.concurrent.Callable<T> work) {
        try {
            return lanes.run(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailedException("interrupted");
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The bytes of a layer the cache knew: compressed when first asked for (only when the registry lacks it), and
     * refused if they do not come out as the cache said.
     */
    private static EcrRegistry.Content lazyCompressed(LocalImage.Layer l, LayerCache.Hit hit, Path spillFile,
                                                      List<Spool> spools, Runnable forget) {
        Spool[] held = new Spool[1];
        return out -> {
            synchronized (held) {
                if (held[0] == null) {
                    Spool spool = new Spool(spillFile);
                    spools.add(spool);
                    LayerGzip.Result r = LayerGzip.compress(l, spool);
                    if (!r.digest().equals(hit.digest()) || r.size() != hit.size()) {
                        forget.run();
                        // not an IOException: the registry call must not retry what no retry mends
                        throw new StepFailedException("layer " + l.name() + " compressed to " + r.digest()
                                + ", not to the " + hit.digest() + " the layer cache recorded; nothing was tagged and "
                                + "the entry is deleted: run the push again");
                    }
                    held[0] = spool;
                }
            }
            held[0].writeTo(out);
        };
    }

    /** The image config's rootfs.diff_ids (the digests of the uncompressed layers, in order), or none. */
    private static List<String> diffIds(LocalImage image) {
        try {
            List<String> out = new ArrayList<>();
            Json.MAPPER.readTree(image.config()).path("rootfs").path("diff_ids").forEach(d -> out.add(d.asText()));
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Ready configBlob(LocalImage image) {
        byte[] config = image.config();
        return new Ready(sha256(config), config.length, out -> out.write(config), LocalImage.DOCKER_CONFIG, "config");
    }

    /** The source's manifest when it can be pushed as it is, else a new one over the pushed layers. */
    static byte[] manifest(LocalImage image, List<Ready> layers, Ready config) throws IOException {
        if (image.manifest() != null) {
            return image.manifest();
        }
        boolean docker = layers.stream().allMatch(l -> l.mediaType().equals(LocalImage.DOCKER_LAYER_GZIP));
        ObjectNode m = JsonNodeFactory.instance.objectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", docker ? LocalImage.DOCKER_MANIFEST : LocalImage.OCI_MANIFEST);
        ObjectNode c = m.putObject("config");
        c.put("mediaType", docker ? LocalImage.DOCKER_CONFIG : LocalImage.OCI_CONFIG);
        c.put("size", config.size());
        c.put("digest", config.digest());
        ArrayNode ls = m.putArray("layers");
        for (Ready l : layers) {
            ObjectNode o = ls.addObject();
            o.put("mediaType", l.mediaType());
            o.put("size", l.size());
            o.put("digest", l.digest());
        }
        return Json.MAPPER.writeValueAsBytes((JsonNode) m);
    }

    /**
     * Sends the blobs the registry lacks, {@value #UPLOADS_IN_PARALLEL} at a time, each once whoever asks: mounted from
     * the first {@code mountFrom} repository that holds one (a registry answering the mount with an upload session
     * gets the bytes in it), else uploaded.
     */
    private static final class Uploader implements AutoCloseable {
        private final EcrRegistry registry;
        private final Progress progress;
        private final boolean mayHaveBlobs;
        private final List<String> mountFrom;
        private final Map<String, CompletableFuture<Void>> sends = new java.util.concurrent.ConcurrentHashMap<>();
        /** Layers uploaded while compressed, by their spool (their digest is known only at the end). */
        private final Map<Spool, CompletableFuture<Void>> streams = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<String, Boolean> unreadable = new java.util.concurrent.ConcurrentHashMap<>();
        private final ExecutorService pool = Executors.newFixedThreadPool(UPLOADS_IN_PARALLEL);
        private final AtomicLong bytes = new AtomicLong();
        /** Digests of the layers sent: two identical layers streamed while compressed count once. */
        private final java.util.Set<String> uploaded = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final java.util.concurrent.atomic.AtomicInteger mounted = new java.util.concurrent.atomic.AtomicInteger();
        private final LayerChecks checks;

        Uploader(EcrRegistry registry, Progress progress, boolean mayHaveBlobs, List<String> mountFrom,
                 LayerChecks checks) {
            this.registry = registry;
            this.progress = progress;
            this.mayHaveBlobs = mayHaveBlobs;
            this.mountFrom = mountFrom;
            this.checks = checks;
        }

        void send(Ready blob) {
            CompletableFuture<Void> streamed = blob.spool() == null ? null : streams.get(blob.spool());
            if (streamed != null) {
                sends.putIfAbsent(blob.digest(), streamed);
                return;
            }
            sends.computeIfAbsent(blob.digest(), d -> CompletableFuture.runAsync(() -> sendOne(blob), pool));
        }

        /** Uploads a layer while it is compressed (the repository, created by this push, cannot hold it). */
        void follow(Live l) {
            streams.computeIfAbsent(l.spool(), s -> CompletableFuture.runAsync(() -> {
                if (l.digest().isDone() && !l.digest().isCompletedExceptionally()) {
                    // compressed already, while the repository was created: sent as any blob of known digest
                    sendOne(new Ready(l.digest().join(), l.spool().size(), l.spool()::writeTo, null, l.label(),
                            l.spool()));
                    return;
                }
                String label = l.label();
                // The compressed size is known only at the end: a line per quarter of the uncompressed size sent.
                LayerProgress lp = new LayerProgress(progress, label, l.rawSize(), true);
                registry.pushStreamed(label, checks.sentAfter(l.spool(), l.spool()::follow), l.digest(), n -> {
                    bytes.addAndGet(n);
                    lp.add(n);
                });
                String digest = l.digest().join();
                uploaded.add(digest);
                long size = l.spool().size();
                Ready done = new Ready(digest, size, null, null, label);
                lp.doneAs("Uploaded " + label + ", " + EcrRegistry.shortDigest(digest) + " (" + mb(size) + "), while "
                        + "it was compressed", layer(done, true, lp.elapsedMs()));
            }, pool));
        }

        /** Waits for every blob asked for; the first failure is the push's. */
        Sent finish() {
            for (CompletableFuture<Void> f : List.copyOf(sends.values())) {
                await(f);
            }
            for (CompletableFuture<Void> f : List.copyOf(streams.values())) {
                await(f);
            }
            return new Sent(bytes.get(), uploaded.size(), mounted.get());
        }

        private void sendOne(Ready l) {
            boolean isConfig = isConfig(l);
            String label = isConfig ? "config" : "layer " + EcrRegistry.shortDigest(l.digest());
            if (mayHaveBlobs && registry.hasBlob(l.digest())) {
                checks.sent(l.spool());
                if (!isConfig) {
                    progress.say("progress", "Layer " + EcrRegistry.shortDigest(l.digest()) + " (" + mb(l.size())
                            + ") is already in the repository", layer(l, false, 0));
                }
                return;
            }
            String from = mountSource(registry, l.digest(), mountFrom, unreadable, progress);
            LayerProgress lp = new LayerProgress(progress, label, l.size());
            boolean sent = registry.pushBlob(l.digest(), l.size(), checks.sentAfter(l.spool(), l.content()), n -> {
                bytes.addAndGet(n);
                lp.add(n);
            }, from);
            if (!sent && from != null) {
                checks.sent(l.spool());
                if (!isConfig) {
                    mounted.incrementAndGet();
                    progress.say("progress", "Layer " + EcrRegistry.shortDigest(l.digest()) + " (" + mb(l.size())
                            + ") mounted from " + from + ", nothing sent", layer(l, false, 0));
                }
                return;
            }
            if (from != null) {
                progress.say("progress", "Registry answered the mount of " + label + " from " + from
                        + " with an upload session (mounting off, or another encryption): uploaded instead");
            }
            if (sent && !isConfig) {
                uploaded.add(l.digest());
                lp.done(layer(l, true, lp.elapsedMs()));
            } else if (!isConfig) {
                progress.note("layer", "Layer " + EcrRegistry.shortDigest(l.digest()) + " was already in the registry",
                        layer(l, false, 0));
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    /** The first mountFrom repository holding the blob, or null; one that cannot be looked into is said once. */
    private static String mountSource(EcrRegistry registry, String digest, List<String> mountFrom,
                                      Map<String, Boolean> unreadable, Progress progress) {
        for (String from : mountFrom) {
            if (unreadable.containsKey(from)) {
                continue;
            }
            try {
                if (registry.hasBlob(from, digest)) {
                    return from;
                }
            } catch (StepFailedException e) {
                if (unreadable.putIfAbsent(from, Boolean.TRUE) == null) {
                    progress.say("warning", "Cannot look for layers in mountFrom repository " + from + " ("
                            + e.getMessage() + "); layers it may hold are uploaded instead");
                }
            }
        }
        return null;
    }

    /** What the record keeps of one layer: its digest, size, whether it was sent and how long that took. */
    private static Map<String, Object> layer(Ready l, boolean uploaded, long ms) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", l.digest());
        m.put("bytes", l.size());
        m.put("uploaded", uploaded);
        if (uploaded) {
            m.put("ms", ms);
        }
        return m;
    }

    /** A line per quarter of a large layer, with the rate; one line for a small one. */
    private static final class LayerProgress {
        private final Progress progress;
        private final String label;
        private final long total;
        private final boolean streamed;
        private final long start = System.nanoTime();
        private long sent;
        private int quarter;

        LayerProgress(Progress progress, String label, long total) {
            this(progress, label, total, false);
        }

        /** @param streamed sent while compressed: {@code total} is the uncompressed size, so no share is claimed */
        LayerProgress(Progress progress, String label, long total, boolean streamed) {
            this.progress = progress;
            this.label = label;
            this.total = total;
            this.streamed = streamed;
        }

        synchronized void add(long n) {
            sent += n;
            if (total < LARGE_LAYER) {
                return;
            }
            int q = (int) Math.min(3, sent * 4 / total);
            if (q > quarter) {
                quarter = q;
                progress.say("progress", streamed ? "Uploading " + label + " while compressing it: " + mb(sent)
                        + " sent at " + rate(sent) : "Uploading " + label + ": " + (q * 25) + "% of " + mb(total)
                        + " at " + rate(sent));
            }
        }

        synchronized void done(Map<String, Object> data) {
            doneAs("Uploaded " + label + " (" + mb(total) + ")", data);
        }

        synchronized void doneAs(String what, Map<String, Object> data) {
            long bytes = data.get("bytes") instanceof Long b ? b : total;
            progress.say("progress", what + " in " + seconds(System.nanoTime() - start)
                    + (bytes >= 1_000_000 ? " at " + rate(bytes) : ""), data);
        }

        long elapsedMs() {
            return (System.nanoTime() - start) / 1_000_000;
        }

        private String rate(long bytes) {
            double s = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
            return String.format(Locale.ROOT, "%.1f MB/s", bytes / 1e6 / s);
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailedException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
                c = c.getCause();
            }
            if (c instanceof UncheckedIOException u) {
                c = u.getCause();
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof IOException io) {
                throw new StepFailedException("reading the image failed: " + io.getMessage(), io);
            }
            throw new StepFailedException(String.valueOf(c), c);
        }
    }

    static String sha256(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(LayerGzip.sha256().digest(bytes));
    }

    static String mb(long bytes) {
        return bytes < 1_000_000 ? String.format(Locale.ROOT, "%.1f KB", bytes / 1e3)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
