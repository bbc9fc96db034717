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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.CreateRepositoryRequest;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;

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
                    + "test registry); plain http:// only to a loopback address"));

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
                   boolean dryRun) {
    }

    /** A blob ready to send: its digest, size and bytes. */
    record Ready(String digest, long size, EcrRegistry.Content content, String mediaType, String name) {
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
        Params p = new Params(input, PARAMS);
        Path work = null;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        ExecutorService coordinator = Executors.newSingleThreadExecutor();
        List<Spool> spools = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            work = Files.createTempDirectory("aws-deploy-ecr");
            Request req = request(p, run);
            LocalImage image = openSource(p, req, work, run.env());
            List<String> tags = tags(p, req, image);
            p.check();
            run.record().inputs(p.given());
            // Digests (and compression of uncompressed layers) run while AWS is asked about the repository.
            Path folder = work;
            Future<Prepared> prepared = coordinator.submit(() -> prepare(image, folder, pool, run.progress(), spools));
            Thread warm = new Thread(() -> {
                warmUpEcrClient();
                EcrRegistry.warmUp();
            }, "ecr-push-warm-up");
            warm.setDaemon(true);
            warm.start();
            return push(run, p, new Request(req.source(), req.repository(), req.registryId(), tags, req.create(),
                    req.scanOnPush(), req.tagMutability(), req.encryption(), req.kmsKey(), req.registryUrl(),
                    req.dryRun()), image, prepared, started);
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
        boolean dryRun = run.dryRun(p);
        return new Request(source, repository, registryId, List.of(), create, scan, mutability,
                encryption == null ? "AES256" : encryption, kmsKey, registryUrl, dryRun);
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
            return ImageSource.open(req.source(), work, env);
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
                                   long started) throws IOException {
        Progress progress = run.progress();
        AwsContext aws = AwsContext.forRun(run, p);
        EcrClient ecr = aws.client(EcrClient.class, EcrClient::builder, "ECR");
        EcrToken token = new EcrToken(ecr, req.registryId(), run.clock(), run.secrets());
        // Both are reads; asking at once saves a round trip.
        java.util.concurrent.CompletableFuture<Void> tokenFetched = java.util.concurrent.CompletableFuture.runAsync(
                token::ensureFresh);
        Repository repo = describe(ecr, req);
        String account = req.registryId() != null ? req.registryId() : String.valueOf(aws.identity().get("account"));
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

        await(tokenFetched);
        URI endpoint = req.registryUrl() != null ? req.registryUrl() : URI.create(token.proxyEndpoint());
        String host = endpoint.getHost() + (endpoint.getPort() > 0 ? ":" + endpoint.getPort() : "");
        boolean plainHttp = "http".equalsIgnoreCase(endpoint.getScheme());
        String repoUri = repo != null ? repo.repositoryUri()
                : URI.create(token.proxyEndpoint()).getHost() + "/" + req.repository();

        progress.say("plan", "Pushing " + image.description() + " (" + image.layers().size() + " layer"
                + (image.layers().size() == 1 ? ", " : "s, ")
                + mb(image.layers().stream().mapToLong(LocalImage.Layer::size).sum()) + ") to " + repoUri
                + (req.registryUrl() != null ? " through " + endpoint : "") + " as " + String.join(", ", req.tags()));

        try (EcrRegistry registry = new EcrRegistry(host, plainHttp, req.repository(), token, run.clock(), account)) {
            Prepared ready = await(prepared);
            List<Ready> layers = ready.layers();
            Ready config = ready.config();
            byte[] manifest = ready.manifest();
            String mediaType = ready.mediaType();
            String digest = sha256(manifest);
            String imageUri = repoUri + "@" + digest;

            Map<String, String> before = new LinkedHashMap<>();
            List<String> toTag = new ArrayList<>();
            List<String> conflicts = new ArrayList<>();
            for (String tag : req.tags()) {
                Optional<String> current = repo == null ? Optional.empty() : registry.tagDigest(tag);
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
            if (!conflicts.isEmpty()) {
                String msg = "repository " + req.repository() + " has immutable tags, and " + String.join(", ",
                        conflicts) + " already point" + (conflicts.size() == 1 ? "s" : "") + " to another image than "
                        + digest + "; push under a new tag (e.g. the build number): an immutable tag is never moved";
                progress.say("decision", msg);
                fields.putAll(counts(0, 0, 0, started));
                return StepResult.of(Outcome.FAILED, "tag-conflict", msg, fields);
            }
            if (toTag.isEmpty()) {
                progress.say("decision", (req.tags().size() == 1 ? "Tag " + req.tags().get(0) + " already points"
                        : "Tags " + String.join(", ", req.tags()) + " already point") + " to " + digest
                        + ": unchanged, nothing uploaded");
                fields.putAll(counts(0, 0, layers.size(), started));
                run.record().after("tags", before);
                return StepResult.of(Outcome.SUCCEEDED, "unchanged", imageUri + " unchanged", fields);
            }
            if (req.dryRun()) {
                long missing = 0;
                for (Ready l : layers) {
                    missing += repo != null && registry.hasBlob(l.digest()) ? 0 : 1;
                }
                String plan = "Dry run: would " + (repo == null ? "create repository " + req.repository() + ", " : "")
                        + "upload " + missing + " of " + layers.size() + " layers and tag " + String.join(", ", toTag);
                progress.say("plan", plan);
                fields.put("dryRun", true);
                fields.putAll(counts(0, 0, 0, started));
                return StepResult.of(Outcome.SUCCEEDED, "would-push", plan, fields);
            }
            boolean created = repo == null;
            if (created) {
                repo = create(ecr, req, progress);
            }
            long[] sent = upload(registry, layers, config, progress, !created);
            for (String tag : toTag) {
                registry.pushManifest(manifest, mediaType, tag);
                progress.action("PutImage", repoUri + ":" + tag, "Tagged " + digest + " as " + req.repository() + ":"
                        + tag + (before.get(tag) != null ? " (was " + before.get(tag) + ")" : ""));
            }
            Map<String, String> after = new LinkedHashMap<>();
            req.tags().forEach(t -> after.put(t, digest));
            run.record().after("tags", after);
            run.record().after("imageUri", imageUri);
            fields.putAll(counts(sent[0], (int) sent[1], layers.size() - (int) sent[1], started));
            return StepResult.of(Outcome.SUCCEEDED, "pushed", imageUri + " pushed (" + sent[1] + " of "
                    + layers.size() + " layers uploaded, " + mb(sent[0]) + ")", fields);
        }
    }

    private static Map<String, Object> counts(long bytes, int uploaded, int skipped, long started) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytesUploaded", bytes);
        m.put("layersUploaded", uploaded);
        m.put("layersSkipped", skipped);
        m.put("durationMs", (System.nanoTime() - started) / 1_000_000);
        return m;
    }

    private static Repository describe(EcrClient ecr, Request req) {
        try {
            return ecr.describeRepositories(r -> {
                r.repositoryNames(req.repository());
                if (req.registryId() != null) {
                    r.registryId(req.registryId());
                }
            }).repositories().stream().findFirst().orElse(null);
        } catch (RepositoryNotFoundException e) {
            return null;
        }
    }

    private static Repository create(EcrClient ecr, Request req, Progress progress) {
        CreateRepositoryRequest.Builder b = CreateRepositoryRequest.builder().repositoryName(req.repository())
                .imageTagMutability(req.tagMutability())
                .imageScanningConfiguration(s -> s.scanOnPush(req.scanOnPush()))
                .encryptionConfiguration(e -> {
                    e.encryptionType(req.encryption());
                    if (req.kmsKey() != null) {
                        e.kmsKey(req.kmsKey());
                    }
                });
        if (req.registryId() != null) {
            b.registryId(req.registryId());
        }
        Repository repo = ecr.createRepository(b.build()).repository();
        progress.action("CreateRepository", repo.repositoryArn(), "Created repository " + req.repository() + " ("
                + req.tagMutability() + " tags, scan on push " + (req.scanOnPush() ? "on" : "off") + ", "
                + req.encryption() + " encryption)");
        return repo;
    }

    /** The image as it will be sent: layer and config blobs with digests, and the manifest. */
    record Prepared(List<Ready> layers, Ready config, byte[] manifest, String mediaType) {
    }

    private static Prepared prepare(LocalImage image, Path work, ExecutorService pool, Progress progress,
                                    List<Spool> spools) throws IOException {
        List<Ready> layers = prepareLayers(image, work, pool, progress, spools);
        Ready config = configBlob(image);
        byte[] manifest = manifest(image, layers, config);
        String mediaType = image.manifest() != null ? image.manifestMediaType()
                : Json.MAPPER.readTree(manifest).path("mediaType").asText();
        return new Prepared(layers, config, manifest, mediaType);
    }

    /** Digests of every layer; uncompressed layers are gzipped (in parallel) into the run's folder first. */
    private static List<Ready> prepareLayers(LocalImage image, Path work, ExecutorService pool, Progress progress,
                                             List<Spool> spools) {
        List<LocalImage.Layer> raw = image.layers().stream()
                .filter(l -> l.compression() == LocalImage.Compression.NONE).toList();
        long t0 = System.nanoTime();
        if (!raw.isEmpty()) {
            progress.say("progress", "Compressing " + raw.size() + " uncompressed layer" + (raw.size() == 1 ? "" : "s")
                    + " (" + mb(raw.stream().mapToLong(LocalImage.Layer::size).sum()) + ")");
        }
        List<Future<Ready>> futures = new ArrayList<>();
        boolean docker = image.manifest() == null && !image.layers().stream()
                .anyMatch(l -> l.compression() == LocalImage.Compression.ZSTD);
        for (int i = 0; i < image.layers().size(); i++) {
            LocalImage.Layer l = image.layers().get(i);
            int n = i;
            futures.add(pool.submit(() -> {
                String type = switch (l.compression()) {
                    case ZSTD -> LocalImage.OCI_LAYER_ZSTD;
                    default -> docker ? LocalImage.DOCKER_LAYER_GZIP : LocalImage.OCI_LAYER_GZIP;
                };
                if (l.compression() == LocalImage.Compression.NONE) {
                    Spool spool = new Spool(work.resolve("layer-" + n + ".tar.gz"));
                    spools.add(spool);
                    LayerGzip.Result r = LayerGzip.compress(l, spool);
                    return new Ready(r.digest(), r.size(), spool::writeTo, type, l.name());
                }
                return new Ready(LayerGzip.digest(l.file(), l.offset(), l.size()), l.size(),
                        fileRange(l.file(), l.offset(), l.size()), type, l.name());
            }));
        }
        List<Ready> out = new ArrayList<>();
        for (Future<Ready> f : futures) {
            out.add(await(f));
        }
        if (!raw.isEmpty()) {
            long compressed = spools.stream().mapToLong(Spool::size).sum();
            progress.say("progress", "Compressed to " + mb(compressed) + " in " + seconds(System.nanoTime() - t0));
        }
        return out;
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

    /** Uploads the blobs the registry lacks, in parallel; returns {bytes sent, layers uploaded}. */
    private static long[] upload(EcrRegistry registry, List<Ready> layers, Ready config, Progress progress,
                                 boolean mayHaveBlobs) {
        Map<String, Ready> unique = new LinkedHashMap<>();
        layers.forEach(l -> unique.putIfAbsent(l.digest(), l));
        AtomicLong bytes = new AtomicLong();
        AtomicLong uploaded = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(UPLOADS_IN_PARALLEL);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Ready l : Stream.concat(unique.values().stream().sorted(Comparator.comparingLong(Ready::size)
                    .reversed()), Stream.of(config)).toList()) {
                futures.add(pool.submit(() -> {
                    boolean isConfig = l == config;
                    String label = isConfig ? "config" : "layer " + EcrRegistry.shortDigest(l.digest());
                    if (mayHaveBlobs && registry.hasBlob(l.digest())) {
                        if (!isConfig) {
                            progress.say("progress", "Layer " + EcrRegistry.shortDigest(l.digest()) + " ("
                                    + mb(l.size()) + ") is already in the repository", layer(l, false, 0));
                        }
                        return;
                    }
                    LayerProgress lp = new LayerProgress(progress, label, l.size());
                    boolean sent = registry.pushBlob(l.digest(), l.size(), l.content(), n -> {
                        bytes.addAndGet(n);
                        lp.add(n);
                    });
                    if (sent && !isConfig) {
                        uploaded.incrementAndGet();
                        lp.done(layer(l, true, lp.elapsedMs()));
                    } else if (!isConfig) {
                        progress.note("layer", "Layer " + EcrRegistry.shortDigest(l.digest())
                                + " was already in the registry", layer(l, false, 0));
                    }
                }));
            }
            for (Future<?> f : futures) {
                await(f);
            }
        } finally {
            pool.shutdownNow();
        }
        return new long[] {bytes.get(), uploaded.get()};
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
        private final long start = System.nanoTime();
        private long sent;
        private int quarter;

        LayerProgress(Progress progress, String label, long total) {
            this.progress = progress;
            this.label = label;
            this.total = total;
        }

        synchronized void add(long n) {
            sent += n;
            if (total < LARGE_LAYER) {
                return;
            }
            int q = (int) Math.min(3, sent * 4 / total);
            if (q > quarter) {
                quarter = q;
                progress.say("progress", "Uploading " + label + ": " + (q * 25) + "% of " + mb(total) + " at "
                        + rate(sent));
            }
        }

        synchronized void done(Map<String, Object> data) {
            progress.say("progress", "Uploaded " + label + " (" + mb(total) + ") in "
                    + seconds(System.nanoTime() - start) + (total >= 1_000_000 ? " at " + rate(total) : ""), data);
        }

        long elapsedMs() {
            return (System.nanoTime() - start) / 1_000_000;
        }

        private String rate(long bytes) {
            double s = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
            return String.format(Locale.ROOT, "%.1f MB/s", bytes / 1e6 / s);
        }
    }

    /**
     * Loads the ECR client's classes (JSON protocol, endpoint rules, models) without any call, on a background
     * thread while the STS client starts: the ECR calls then answer sooner.
     */
    private static void warmUpEcrClient() {
        try (EcrClient c = EcrClient.builder().region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            software.amazon.awssdk.services.ecr.model.DescribeRepositoriesRequest.builder().repositoryNames("warm-up")
                    .build();
            software.amazon.awssdk.services.ecr.model.GetAuthorizationTokenRequest.builder().build();
            software.amazon.awssdk.services.ecr.model.CreateRepositoryRequest.builder().repositoryName("warm-up")
                    .build();
        } catch (RuntimeException e) {
            // only an optimisation
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
