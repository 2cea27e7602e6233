using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Tests;

public sealed class TlsWriterTests
{
    [Fact]
    public void Nested_vectors_are_back_patched()
    {
        var w = new TlsWriter(initialCapacity: 1); // forces growth
        int outer = w.BeginVector(3);
        int inner = w.BeginVector(2);
        w.WriteBytes(new byte[300]);
        w.EndVector(inner);
        w.WriteVector8([7]);
        w.EndVector(outer);

        var r = new TlsReader(w.WrittenSpan);
        Assert.True(r.TryReadVector24(out ReadOnlySpan<byte> o));
        Assert.True(r.IsEmpty);
        Assert.Equal(2 + 300 + 2, o.Length);
        var ir = new TlsReader(o);
        Assert.True(ir.TryReadVector16(out ReadOnlySpan<byte> i));
        Assert.Equal(300, i.Length);
        Assert.True(ir.TryReadVector8(out ReadOnlySpan<byte> b));
        Assert.Equal(7, b[0]);
    }

    [Fact]
    public void A_vector_too_long_for_its_prefix_throws_on_our_side()
    {
        var w = new TlsWriter();
        int mark = w.BeginVector(1);
        w.WriteBytes(new byte[256]);
        Assert.Throws<InvalidOperationException>(() => w.EndVector(mark));
    }

    [Fact]
    public void Reader_bounds_min_and_max()
    {
        var r = new TlsReader([3, 1, 2, 3]);
        Assert.False(r.TryReadVector8(out _, min: 4));
        Assert.False(r.TryReadVector8(out _, max: 2));
        Assert.True(r.TryReadVector8(out ReadOnlySpan<byte> v, min: 3, max: 3));
        Assert.Equal(3, v.Length);
        Assert.False(r.TryReadUInt8(out _));
        Assert.False(r.TryReadBytes(-1, out _));
    }
}
