/**
 * A tiny ONNX writer for random-weight stand-in models (tests and benchmarks only; never used by a
 * run). Real weights cannot be downloaded on the project's machines, so stand-ins with the real
 * input/output names let the real loading and generation code run offline.
 *
 * It encodes the subset of onnx.proto a stand-in needs (nodes, attributes, initializers, typed
 * inputs/outputs with symbolic dimensions) with protobufjs, which the Temporal SDK already brings.
 * Field numbers are those of onnx/onnx.proto (IR version 8, opset 17).
 */
import protobuf from 'protobufjs';

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            t: { type: 'TensorProto', id: 5 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } },
        },
        TypeProto: {
          fields: { tensorType: { type: 'TensorTypeProto', id: 1 } },
        },
        TensorTypeProto: {
          fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
        },
        Dimension: {
          oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
          fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(SCHEMA);
const ModelProto = root.lookupType('onnx.ModelProto');

/** ONNX element types a stand-in uses. */
export const FLOAT = 1;
export const INT64 = 7;
export const BOOL = 9;
type ElemType = typeof FLOAT | typeof INT64 | typeof BOOL;

/** A dimension: a number, or a symbolic name such as "batch_size". */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  type: ElemType;
  shape: Dim[];
}

type AttributeValue = number | number[] | { tensor: Initializer };

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

interface Initializer {
  name: string;
  dims: number[];
  type: ElemType;
  data: Float32Array | BigInt64Array;
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;

/** Deterministic pseudo-random numbers (mulberry32), so a stand-in is the same on every build. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds one graph: `const g = new GraphBuilder('x'); g.input(…); g.node(…); g.output(…); g.toBytes()`. */
export class GraphBuilder {
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly nodes: Node[] = [];
  private readonly initializers: Initializer[] = [];
  private counter = 0;

  constructor(
    private readonly name: string,
    private readonly random: () => number = seededRandom(7),
  ) {}

  input(name: string, type: ElemType, shape: Dim[]): string {
    this.inputs.push({ name, type, shape });
    return name;
  }

  output(name: string, type: ElemType, shape: Dim[]): void {
    this.outputs.push({ name, type, shape });
  }

  /** Adds a node and returns its (first) output name; `out` names it, else a fresh name. */
  node(op: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, out?: string): string {
    const output = out ?? `${op.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ op, inputs, outputs: [output], attributes });
    return output;
  }

  /** A float weight of the given shape, uniform in ±scale. */
  weight(dims: number[], scale = 1): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (this.random() * 2 - 1) * scale;
    return this.constant(data, dims);
  }

  /** A float or int64 constant tensor. */
  constant(values: Float32Array | number[] | bigint[], dims?: number[]): string {
    const name = `const_${this.counter++}`;
    const data =
      values instanceof Float32Array
        ? values
        : typeof values[0] === 'bigint'
          ? BigInt64Array.from(values as bigint[])
          : BigInt64Array.from((values as number[]).map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: dims ?? [data.length],
      type: data instanceof Float32Array ? FLOAT : INT64,
      data,
    });
    return name;
  }

  /** A float vector constant. */
  floats(values: number[], dims?: number[]): string {
    return this.constant(Float32Array.from(values), dims);
  }

  /** A scalar int64 constant (rank 0). */
  scalar(value: number): string {
    const name = `const_${this.counter++}`;
    this.initializers.push({ name, dims: [], type: INT64, data: BigInt64Array.from([BigInt(value)]) });
    return name;
  }

  toBytes(): Uint8Array {
    const info = (v: ValueInfo) => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: v.type,
          shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    const tensor = (t: Initializer) => ({
      name: t.name,
      dims: t.dims,
      dataType: t.type,
      rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    });
    const attribute = (name: string, value: AttributeValue) =>
      Array.isArray(value)
        ? { name, type: ATTR_INTS, ints: value }
        : typeof value === 'number'
          ? Number.isInteger(value)
            ? { name, type: ATTR_INT, i: value }
            : { name, type: ATTR_FLOAT, f: value }
          : { name, type: ATTR_TENSOR, t: tensor(value.tensor) };
    const message = ModelProto.create({
      irVersion: 8,
      producerName: 'pcc-stand-in',
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: this.name,
        input: this.inputs.map(info),
        output: this.outputs.map(info),
        initializer: this.initializers.map(tensor),
        node: this.nodes.map((n, i) => ({
          name: `n${i}`,
          opType: n.op,
          input: n.inputs,
          output: n.outputs,
          attribute: Object.entries(n.attributes).map(([k, v]) => attribute(k, v)),
        })),
      },
    });
    return ModelProto.encode(message).finish();
  }
}
