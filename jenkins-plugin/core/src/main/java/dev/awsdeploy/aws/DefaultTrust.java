package dev.awsdeploy.aws;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import software.amazon.awssdk.http.TlsTrustManagersProvider;

/**
 * The JVM's default trust manager (its trust store: cacerts, or {@code javax.net.ssl.trustStore}), created when the
 * first TLS handshake needs it rather than when the HTTP client is built. The SDK's URL-connection client builds
 * its TLS context up front, which reads and parses every trusted certificate — a tenth of a short CLI run, spent
 * for nothing when every endpoint is plain HTTP (an emulator on loopback). Every check is the default manager's
 * own: this only delays creating it.
 */
final class DefaultTrust extends X509ExtendedTrustManager {
    private volatile X509ExtendedTrustManager delegate;

    private DefaultTrust() {
    }

    static TlsTrustManagersProvider provider() {
        return () -> new TrustManager[] {new DefaultTrust()};
    }

    private X509ExtendedTrustManager delegate() throws CertificateException {
        X509ExtendedTrustManager d = delegate;
        if (d == null) {
            synchronized (this) {
                if (delegate == null) {
                    delegate = create();
                }
                d = delegate;
            }
        }
        return d;
    }

    private static X509ExtendedTrustManager create() throws CertificateException {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            for (TrustManager t : f.getTrustManagers()) {
                if (t instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new CertificateException("the JVM's default trust manager factory has no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new CertificateException("cannot read the JVM's trust store: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        try {
            return delegate().getAcceptedIssuers();
        } catch (CertificateException e) {
            return new X509Certificate[0];
        }
    }
}
