using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// A minimal Chrome DevTools protocol client over <see cref="ClientWebSocket"/>: connects to the
/// browser endpoint Chromium names in <c>&lt;profile&gt;/DevToolsActivePort</c> (it was started with
/// <c>--remote-debugging-port=0</c>), attaches to the page, and sends one command at a time,
/// skipping events. Every wait is bounded by the token given at connect.
/// </summary>
internal sealed class DevToolsSession : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly CancellationToken _cancel;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private string? _pageSession;
    private int _nextId;

    private DevToolsSession(ClientWebSocket socket, CancellationToken cancel)
    {
        _socket = socket;
        _cancel = cancel;
    }

    /// <summary>Waits for the DevToolsActivePort file, connects to the browser and attaches to its page.</summary>
    public static async Task<DevToolsSession> ConnectAsync(string profile, PeerProcess chromium, CancellationToken cancel)
    {
        string portFile = Path.Combine(profile, "DevToolsActivePort");
        string[]? lines = null;
        while (lines is null)
        {
            if (File.Exists(portFile))
            {
                string[] read = (await File.ReadAllTextAsync(portFile, cancel).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                lines = read.Length >= 2 ? read : null;
            }

            if (lines is null)
            {
                Assert.False(chromium.HasExited, $"Chromium exited before opening its DevTools port.\n{chromium.Describe()}");
                await Task.Delay(50, cancel).ConfigureAwait(false);
            }
        }

        // Line 1: the port; line 2: the browser target's path.
        var uri = new Uri($"ws://127.0.0.1:{int.Parse(lines[0], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)}{lines[1].Trim()}");
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, cancel).ConfigureAwait(false);
        var session = new DevToolsSession(socket, cancel);
        try
        {
            string? pageId = null;
            while (pageId is null)
            {
                using JsonDocument targets = await session.SendAsync("Target.getTargets", null, browserLevel: true).ConfigureAwait(false);
                foreach (JsonElement t in targets.RootElement.GetProperty("targetInfos").EnumerateArray())
                {
                    if (t.GetProperty("type").GetString() == "page")
                    {
                        pageId = t.GetProperty("targetId").GetString();
                        break;
                    }
                }

                if (pageId is null)
                {
                    await Task.Delay(50, cancel).ConfigureAwait(false);
                }
            }

            using JsonDocument attached = await session.SendAsync("Target.attachToTarget", new { targetId = pageId, flatten = true }, browserLevel: true).ConfigureAwait(false);
            session._pageSession = attached.RootElement.GetProperty("sessionId").GetString();
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends a command to the page (or the browser) and returns its result; fails the test on a protocol error.</summary>
    public async Task<JsonDocument> SendAsync(string method, object? parameters, bool browserLevel = false)
    {
        int id = ++_nextId;
        var message = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new { } };
        if (!browserLevel)
        {
            message["sessionId"] = _pageSession;
        }

        await _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, endOfMessage: true, _cancel).ConfigureAwait(false);
        while (true)
        {
            using JsonDocument reply = await ReceiveAsync().ConfigureAwait(false);
            JsonElement root = reply.RootElement;
            if (!root.TryGetProperty("id", out JsonElement replyId) || replyId.GetInt32() != id)
            {
                continue;   // an event, or a reply to nobody
            }

            if (root.TryGetProperty("error", out JsonElement error))
            {
                Assert.Fail($"DevTools {method} failed: {error.GetRawText()}");
            }

            return JsonDocument.Parse(root.GetProperty("result").GetRawText());
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value (by value).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        using JsonDocument result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true }).ConfigureAwait(false);
        JsonElement inner = result.RootElement.GetProperty("result");
        return inner.TryGetProperty("value", out JsonElement value) ? value.Clone() : default;
    }

    /// <summary>Asks the browser to close (it then writes out its net log and exits).</summary>
    public async Task CloseBrowserAsync()
    {
        int id = ++_nextId;
        byte[] message = Encoding.UTF8.GetBytes($"{{\"id\":{id.ToString(CultureInfo.InvariantCulture)},\"method\":\"Browser.close\",\"params\":{{}}}}");
        try
        {
            await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, _cancel).ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            // Already closing: what we wanted.
        }
    }

    /// <summary>Closes the socket.</summary>
    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<JsonDocument> ReceiveAsync()
    {
        using var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult r = await _socket.ReceiveAsync(_buffer, _cancel).ConfigureAwait(false);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                Assert.Fail("Chromium closed the DevTools connection.");
            }

            message.Write(_buffer, 0, r.Count);
            if (r.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray());
            }
        }
    }
}
