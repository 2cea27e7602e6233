using System.Net;
using System.Runtime.ExceptionServices;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// One attempt at one request on one request stream: writes the header section, uploads the content in the
/// background while the response is awaited (a server may answer before the upload ends, RFC 9114 §4.1.1), turns
/// the response header section into an <see cref="HttpResponseMessage"/>, and gives the stream's pool slot back
/// once both the upload and the response body are done.
/// </summary>
internal sealed class Http3RequestExchange
{
    private const long Cancelled = (long)Http3ErrorCode.RequestCancelled;

    private readonly Http3ConnectionPool _pool;
    private readonly Http3PooledConnection _pooled;
    private readonly HttpRequestMessage _request;
    private readonly CancellationToken _callerToken;

    // Linked to the caller's token; also cancelled by a failed upload (to wake the header read) and by aborts.
    private readonly CancellationTokenSource _cts;
    private Task _upload = Task.CompletedTask;
    private Exception? _uploadError;
    private volatile bool _headersReceived;
    private volatile bool _aborted;
    private int _uploadDone;
    private int _responseDone;
    private int _released;

    public Http3RequestExchange(Http3ConnectionPool pool, Http3PooledConnection pooled, IHttp3MessageStream stream, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _pool = pool;
        _pooled = pooled;
        Stream = stream;
        _request = request;
        _callerToken = cancellationToken;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>The request stream.</summary>
    public IHttp3MessageStream Stream { get; }

    /// <summary>Whether the request content has begun to be read (a non-replayable content cannot be sent again).</summary>
    public bool ContentStarted { get; private set; }

    /// <summary>Completes when the upload has stopped (never faults).</summary>
    public Task UploadCompletion => _upload;

    /// <summary>The exception the upload failed with, if it did (not counting our own aborts).</summary>
    public Exception? UploadError => _uploadError;

    /// <summary>
    /// Sends the request and reads the response header section. On failure the stream is aborted both ways and the
    /// exception is rethrown as is (an <see cref="Http3Exception"/> keeps its code, for the caller's retry decision);
    /// a failed upload surfaces as its own exception, or as an <see cref="HttpRequestException"/> around it.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Http3Headers pseudoHeaders, Http3Headers fields)
    {
        Http3ErrorCode abortCode = Http3ErrorCode.RequestCancelled;
        try
        {
            HttpContent? content = _request.Content;
            long? length = content?.Headers.ContentLength;
            await Stream.WriteHeadersAsync(pseudoHeaders, fields, endStream: content is null, _cts.Token).ConfigureAwait(false);
            if (content is null)
            {
                Interlocked.Exchange(ref _uploadDone, 1);
            }
            else
            {
                _upload = UploadAsync(content, length);
            }

            Http3HeaderSection head = await Stream.ReadHeadersAsync(_cts.Token).ConfigureAwait(false);
            _headersReceived = true;
            if (!Http3MessageMapping.TryGetStatus(head.PseudoHeaders, out int status))
            {
                // RFC 9114 §4.1.2: a malformed response is a stream error of type H3_MESSAGE_ERROR.
                abortCode = Http3ErrorCode.MessageError;
                throw new HttpRequestException(HttpRequestError.InvalidResponse, "The HTTP/3 response has a missing or invalid :status.");
            }

            var response = new HttpResponseMessage((HttpStatusCode)status)
            {
                Version = HttpVersion.Version30,
                RequestMessage = _request,
            };
            var body = new Http3ResponseContent(this, response);
            response.Content = body;
            Http3MessageMapping.CopyResponseFields(head.Fields, response, body);
            return response;
        }
        catch (Exception e)
        {
            Abort((long)abortCode);
            if (!ContentStarted)
            {
                // No upload was started (no content, or the header write failed): nothing else will mark it done.
                Interlocked.Exchange(ref _uploadDone, 1);
            }

            CompleteResponse();
            Exception? uploadError = _uploadError;
            if (uploadError is not null && !_callerToken.IsCancellationRequested && e is OperationCanceledException or IOException)
            {
                // The header read was woken (or failed) because the upload failed: report the cause.
                if (uploadError is Http3Exception or HttpRequestException)
                {
                    ExceptionDispatchInfo.Throw(uploadError);
                }

                throw new HttpRequestException(HttpRequestError.Unknown, "Error while copying content to a stream.", uploadError);
            }

            throw;
        }
    }

    /// <summary>
    /// Stops the exchange both ways (RESET_STREAM and STOP_SENDING with <paramref name="errorCode"/>); what is still
    /// running fails and its failures are not reported as the upload's.
    /// </summary>
    public void Abort(long errorCode)
    {
        _aborted = true;
        ((IHttp3MessageWriter)Stream).Abort(errorCode);
        ((IHttp3MessageReader)Stream).Abort(errorCode);
        CancelQuietly();
    }

    /// <summary>The response body was read to its end: the exchange is done once the upload is too.</summary>
    public void ResponseEnded() => CompleteResponse();

    /// <summary>
    /// The application disposed the response before its end, or a read failed: stop reading
    /// (STOP_SENDING H3_REQUEST_CANCELLED) and stop uploading if still at it.
    /// </summary>
    public void AbandonResponse(bool ended)
    {
        if (!ended)
        {
            _aborted = true;
            ((IHttp3MessageReader)Stream).Abort(Cancelled);
        }

        if (Volatile.Read(ref _uploadDone) == 0)
        {
            _aborted = true;
            ((IHttp3MessageWriter)Stream).Abort(Cancelled);
            CancelQuietly();
        }

        CompleteResponse();
    }

    private async Task UploadAsync(HttpContent content, long? length)
    {
        ContentStarted = true;
        try
        {
            var body = new Http3RequestBodyStream(Stream, length);
            await content.CopyToAsync(body, _cts.Token).ConfigureAwait(false);
            if (length is long expected && body.BytesWritten != expected)
            {
                throw new HttpRequestException(HttpRequestError.Unknown, $"The request content ended after {body.BytesWritten} of its {expected} bytes (content-length).");
            }

            await Stream.CompleteAsync(_cts.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any failure of the content or the stream is recorded and surfaces through SendAsync or the response body.
        catch (Exception e) when (!_aborted)
#pragma warning restore CA1031
        {
            // HttpContent.CopyToAsync wraps the stream's IOExceptions (Http3Exception is one) in HttpRequestException.
            Exception error = e is HttpRequestException { InnerException: Http3Exception inner } ? inner : e;
            if (error is Http3Exception { ErrorCode: Http3ErrorCode.NoError })
            {
                // RFC 9114 §4.1.1: the server has its answer and asked us to stop sending, without error; the response stands.
                return;
            }

            _uploadError = error;
            ((IHttp3MessageWriter)Stream).Abort(Cancelled);
            if (_headersReceived)
            {
                // The response body cannot be complete without the request: fail its reads.
                ((IHttp3MessageReader)Stream).Abort(Cancelled);
            }

            CancelQuietly();
        }
#pragma warning disable CA1031 // After our own abort the upload's failure is expected and says nothing new.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            if (Interlocked.Exchange(ref _uploadDone, 1) == 0)
            {
                TryRelease();
            }
        }
    }

    private void CompleteResponse()
    {
        if (Interlocked.Exchange(ref _responseDone, 1) == 0)
        {
            TryRelease();
        }
    }

    private void TryRelease()
    {
        if (Volatile.Read(ref _uploadDone) == 1 && Volatile.Read(ref _responseDone) == 1 && Interlocked.Exchange(ref _released, 1) == 0)
        {
            _pool.Release(_pooled);
            _cts.Dispose();
        }
    }

    private void CancelQuietly()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already released: nothing left to wake.
        }
    }
}
