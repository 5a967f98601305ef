// Loki's push message definitions (pkg/push/push.proto, the wire format Promtail, Grafana Alloy
// and Vector send to /loki/api/v1/push, snappy block-compressed), with google.protobuf.Timestamp.
// Parsed with protobufjs once, when this module loads.
import protobuf from 'protobufjs';

const PUSH_PROTO = `
syntax = "proto3";
package logproto;

message PushRequest {
  repeated StreamAdapter streams = 1;
}

message PushResponse {}

message StreamAdapter {
  string labels = 1;
  repeated EntryAdapter entries = 2;
  uint64 hash = 3;
}

message LabelPairAdapter {
  string name = 1;
  string value = 2;
}

message EntryAdapter {
  google.protobuf.Timestamp timestamp = 1;
  string line = 2;
  repeated LabelPairAdapter structuredMetadata = 3;
}
`;

const TIMESTAMP_PROTO = `
syntax = "proto3";
package google.protobuf;

message Timestamp {
  int64 seconds = 1;
  int32 nanos = 2;
}
`;

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  protobuf.parse(TIMESTAMP_PROTO, root);
  // keepCase: Loki's field is literally named structuredMetadata; keep names as written.
  protobuf.parse(PUSH_PROTO, root, { keepCase: true });
  root.resolveAll();
  return root;
}

/** The decoded Loki PushRequest (POST /loki/api/v1/push protobuf body, after snappy). */
export const PushRequest = loadRoot().lookupType('logproto.PushRequest');
