namespace SharpQuic.Tls.Tests;

/// <summary>Values typed in from RFC 8448 (Example Handshake Traces for TLS 1.3), §3 "Simple 1-RTT Handshake"
/// (TLS_AES_128_GCM_SHA256, x25519) and §4 "Resumed 0-RTT Handshake". Hex, lower case.</summary>
internal static class Rfc8448
{
    // RFC 8448 §3 {client} construct a ClientHello
    public const string ClientHello =
        "010000c003036660261ff947cea49cce6cfad687f457cf1b14531ba14131a0e8f309a1d0b9c400000613011303130201" +
        "0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400" +
        "230000003300260024001d00204cfdfcd178b784bf328cae793b136f2aedce005ff183d7bb1495207236647037002b00" +
        "03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c" +
        "00024001";

    // {server} construct a ServerHello
    public const string ServerHello =
        "0200005603031274991495cf425857262dde2299342c315afba9b64a87d552515614e01b045d00130100002e00330024" +
        "001d0020c7bb6bdfc26350b929a08a41a76ddac210b096868d960c4845987dc3a7fa650a002b00020304";

    // {server} construct an EncryptedExtensions
    public const string EncryptedExtensions = "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000";

    // {server} construct a Certificate
    public const string Certificate =
        "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a" +
        "06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a" +
        "0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d98" +
        "0836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312" +
        "0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d0" +
        "3e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355" +
        "1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f" +
        "8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102" +
        "702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8" +
        "f8961229ac9187b42b4de10000";

    // {server} construct a CertificateVerify
    public const string CertificateVerify =
        "0f00008408040080ace0af8e87d7c63cc9dbe7dcc12ff83bd55df0ccda9bf4e5a0f70100d9bc4d25aa684fd9d347642c" +
        "942222526e163e3b0fba312b10e9b67eb0ac9c2be5fef490f81d7827e3bc12fa027ab439e71cc8459c14b94a8f3506ec" +
        "44547d6c23e19cc7f9d5e0d1f595108fc240f5b0842c485a321487c4950377a52e917294715567cd";

    // {server} construct a Finished
    public const string ServerFinished = "140000204c92b1b256d861a1830167827d3e288d1a76f03484e9ec886d4ff66149cbec2f";

    // {client} construct a Finished
    public const string ClientFinished = "1400002080a2c0d6cbc21078dba30affbf091929278edc832db4bfa1c811c9e8c67da9bb";

    // {server} construct a NewSessionTicket
    public const string NewSessionTicket =
        "040000c90000001e933d093202000000b2f35edae4e60404d6f40fa17f000000008393d163fb4f5f105fe2056caeb32a" +
        "c7007070045931026db07d58dd58090d629af59ecb7fba353d5d9653a708fbcf0f515c1b82db6b08977179dfc684d22f" +
        "cf7bd5c12222ab63ffd9d2bc46176d144ae98ad93416894822ac5064065f92995a6f052fa3a731703657817ea7a8de73" +
        "148661768f7f62098fb45c0a9dde04a9cf1aa4206f13dd055df3ed5fa681bbf876e362ad9c0a68d2b5266c79aa806cbf" +
        "e6113b0008002a000400000400";

    // {server} extract secret "handshake": IKM (the x25519 shared secret)
    public const string SharedSecret = "1bea3fdfd25f94033804b68997a55d1931dc51124ad7f6e28959bb4672e3bd13";

    // {server} extract secret "early": secret
    public const string EarlySecret = "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a";

    // {server} derive secret for handshake "tls13 derived": expanded
    public const string DerivedForHandshake = "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba";

    // {server} extract secret "handshake": secret
    public const string HandshakeSecret = "f2c66e28ed535dfb8721b7145ca51c8bc058514f79aa881d0d32cbe1341a2e45";

    // "tls13 c hs traffic": hash (ClientHello..ServerHello)
    public const string HelloHash = "3d35f3eba0aabf5d9661236e3b5bb938fdc32f409cc27c55499e1f0baa3abd8f";

    // "tls13 c hs traffic": expanded
    public const string ClientHandshakeTraffic = "d7c28b57a857e961b5bf3e1d7b18d02757c4f97acb66a23372e5a7f3d0a71e07";

    // "tls13 s hs traffic": expanded
    public const string ServerHandshakeTraffic = "3031e9c2c26ecc154bc36826e87feeff8f4547df52596747b2dcabf92b18fb59";

    // {server} extract secret "master": secret
    public const string MasterSecret = "a12970d9b27a3d59b6ecc1530d284073bd745ddc68d994e7a6ee70881b3d6da6";

    // {server} calculate finished: expanded (finished_key)
    public const string ServerFinishedKey = "2456e4d4c3cc526cad20c011327277e2b8834df514fa50db921101293cc627a8";

    // {server} calculate finished: finished
    public const string ServerVerifyData = "4c92b1b256d861a1830167827d3e288d1a76f03484e9ec886d4ff66149cbec2f";

    // "tls13 c ap traffic": hash (ClientHello..server Finished)
    public const string ServerFinishedHash = "b285e2e2beb28adf85ce08112f7c4804cb52347a258edfa9c1bf31f7f808e8ce";

    // "tls13 c ap traffic": expanded
    public const string ClientApplicationTraffic = "2dca43b0ae13af89e9533d39b65dd25cc22df9e7afcaf082a76895a4da353b50";

    // "tls13 s ap traffic": expanded
    public const string ServerApplicationTraffic = "49033ff303eef5739d1376cb6d27ebd695733f3c3f617e7fc76d02a6fac6277f";

    // "tls13 exp master": expanded
    public const string ExporterMaster = "319b2e433f189fc5a1d81ea369e3af838cbecb0db8fffd5b9ab205afcdb999d9";

    // {client} calculate finished: finished
    public const string ClientVerifyData = "80a2c0d6cbc21078dba30affbf091929278edc832db4bfa1c811c9e8c67da9bb";

    // "tls13 res master": hash (ClientHello..client Finished)
    public const string ClientFinishedHash = "31a6e1ceae1e798050f53cac68662eededafcf279cab1c1838b935ffcebf4275";

    // "tls13 res master": expanded
    public const string ResumptionMaster = "a34be53b07ab35b8503d7626a7cad4966873ebdea135c4b2e4cd28e4b812ac54";

    // {server} generate resumption secret "tls13 resumption": expanded (ticket nonce 00 00)
    public const string ResumptionPsk = "cae5ce63ca4b2a7333a7cef44351eea4b6a0b6dabfe52e8fa8828c57602b807c";

    // §4 {client} extract secret "early": secret
    public const string ResumedEarlySecret = "7926bf246b73dd7cf3aa5a75ec3dc91ae3a234c00565744af51697313a085fff";

    // §4 {client} calculate PSK binder: ClientHello prefix (truncated, no binders)
    public const string ResumedClientHelloPrefix =
        "010001fc0303750e184c0c28d365ffab68b74cb202fdb495ad19f527c6e6cebec35b443b9b3500000613011303130201" +
        "0001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400" +
        "3300260024001d00205839e32b2b0e47211ff3098d998ed0379a07b299b846585b7fab62c61357d174002a0000002b00" +
        "03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c" +
        "000240010015005700000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "2900dd00b800b2f35edae4e60404d6f40fa17f000000008393d163fb4f5f105fe2056caeb32ac7007070045931026db0" +
        "7d58dd58090d629af59ecb7fba353d5d9653a708fbcf0f515c1b82db6b08977179dfc684d22fcf7bd5c12222ab63ffd9" +
        "d2bc46176d144ae98ad93416894822ac5064065f92995a6f052fa3a731703657817ea7a8de73148661768f7f62098fb4" +
        "5c0a9dde04a9cf1aa4206f13dd055df3ed5fa681bbf876e362ad9c0a68d2b5266c79aa806cbfe6113b933d0937";

    // §4 {client} send handshake record: payload (the whole ClientHello with binders)
    public const string ResumedClientHello =
        "010001fc0303750e184c0c28d365ffab68b74cb202fdb495ad19f527c6e6cebec35b443b9b3500000613011303130201" +
        "0001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400" +
        "3300260024001d00205839e32b2b0e47211ff3098d998ed0379a07b299b846585b7fab62c61357d174002a0000002b00" +
        "03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c" +
        "000240010015005700000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "2900dd00b800b2f35edae4e60404d6f40fa17f000000008393d163fb4f5f105fe2056caeb32ac7007070045931026db0" +
        "7d58dd58090d629af59ecb7fba353d5d9653a708fbcf0f515c1b82db6b08977179dfc684d22fcf7bd5c12222ab63ffd9" +
        "d2bc46176d144ae98ad93416894822ac5064065f92995a6f052fa3a731703657817ea7a8de73148661768f7f62098fb4" +
        "5c0a9dde04a9cf1aa4206f13dd055df3ed5fa681bbf876e362ad9c0a68d2b5266c79aa806cbfe6113b933d0937002120" +
        "718cd8f22e8ed71d1a23f7c88f63d45487afe58157cbc57e66bd1323e41a8cd8";

    // §4 binder hash
    public const string ResumedBinderHash = "6fd17487908d45ca0bb7d5e5a968f94aa43296b3fd578d0c102540c380a23e68";

    // §4 binder PRK (binder_key, "res binder")
    public const string ResumedBinderKey = "1748d43e9e7001e862d45add841c85fa07bfdc7c68f099ac4f50735dfa29bfbc";

    // §4 binder: finished
    public const string ResumedBinder = "718cd8f22e8ed71d1a23f7c88f63d45487afe58157cbc57e66bd1323e41a8cd8";

    // §4 "tls13 c e traffic": hash
    public const string ResumedClientHelloHash = "d899c67dee77e998f6e881a3b14efe9387b1875dd8638dfbad8df14844e2b766";

    // §4 "tls13 c e traffic": expanded
    public const string ResumedClientEarlyTraffic = "c4196f87b65585b405a6ed59ba9ca31e468ac9b2c79477d449c559a44407197f";

    // §4 "tls13 e exp master": expanded
    public const string ResumedEarlyExporter = "374659e63055b71ba274739397a05b897628e4ea99dcb6ac15564d6a0dc904bc";
}
