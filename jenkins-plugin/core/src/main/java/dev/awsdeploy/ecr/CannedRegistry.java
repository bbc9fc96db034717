package dev.awsdeploy.ecr;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A transport that answers as an image registry would — a blob upload opened (202 with a Location), written (202),
 * committed (201), a manifest written (201 with its digest) — and sends nothing anywhere: what {@link
 * EcrRegistry#warmUp} pushes a tiny blob and manifest through, to load Jib's request path before the run needs it.
 */
final class CannedRegistry extends HttpTransport {
    @Override
    public boolean supportsMethod(String method) {
        return true;
    }

    @Override
    protected LowLevelHttpRequest buildRequest(String method, String url) {
        return new LowLevelHttpRequest() {
            @Override
            public void addHeader(String name, String value) {
                // headers are not looked at
            }

            @Override
            public LowLevelHttpResponse execute() throws IOException {
                if (getStreamingContent() != null) {
                    getStreamingContent().writeTo(java.io.OutputStream.nullOutputStream());
                }
                boolean manifest = url.contains("/manifests/");
                boolean commit = url.contains("digest=");
                int status = manifest || commit ? 201 : 202;
                List<String[]> headers = new java.util.ArrayList<>();
                if (manifest) {
                    headers.add(new String[] {"Docker-Content-Digest", "sha256:" + "0".repeat(64)});
                } else if (!commit) {
                    headers.add(new String[] {"Location", "/v2/warm-up/blobs/uploads/warm-up"});
                }
                return new Answer(status, headers);
            }
        };
    }

    private static final class Answer extends LowLevelHttpResponse {
        private final int status;
        private final List<String[]> headers;

        Answer(int status, List<String[]> headers) {
            this.status = status;
            this.headers = headers;
        }

        @Override
        public InputStream getContent() {
            return new ByteArrayInputStream(new byte[0]);
        }

        @Override
        public String getContentEncoding() {
            return null;
        }

        @Override
        public long getContentLength() {
            return 0;
        }

        @Override
        public String getContentType() {
            return null;
        }

        @Override
        public String getStatusLine() {
            return "HTTP/1.1 " + status;
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        public String getReasonPhrase() {
            return null;
        }

        @Override
        public int getHeaderCount() {
            return headers.size();
        }

        @Override
        public String getHeaderName(int index) {
            return headers.get(index)[0];
        }

        @Override
        public String getHeaderValue(int index) {
            return headers.get(index)[1];
        }
    }
}
