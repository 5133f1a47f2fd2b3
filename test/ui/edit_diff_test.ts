import assert from "node:assert/strict";
import { countLines, diffLines, fileChange } from "../../ui/src/edit_diff.ts";

Deno.test("diffLines keeps unchanged lines as context and puts removals before additions", () => {
  assert.deepEqual(
    diffLines("a\nb\nc\nd", "a\nB\nc\nd\ne"),
    [
      { op: "same", text: "a" },
      { op: "del", text: "b" },
      { op: "ins", text: "B" },
      { op: "same", text: "c" },
      { op: "same", text: "d" },
      { op: "ins", text: "e" },
    ],
  );
  assert.deepEqual(diffLines("", "new"), [{ op: "ins", text: "new" }]);
  assert.deepEqual(diffLines("old", ""), [{ op: "del", text: "old" }]);
});

Deno.test("diffLines finds the common lines inside a changed middle", () => {
  const ops = diffLines("x\n1\n2\n3\ny", "x\n0\n1\n3\n4\ny").map((line) =>
    `${line.op[0]}${line.text}`
  );
  assert.deepEqual(ops, ["sx", "i0", "s1", "d2", "s3", "i4", "sy"]);
});

Deno.test("fileChange reads Edit, MultiEdit and Write inputs, and nothing else", () => {
  const edit = fileChange("Edit", {
    file_path: "/a.ts",
    old_string: "let x = 1;",
    new_string: "const x = 1;",
  });
  assert.ok(edit?.kind === "edit");
  assert.equal(edit.path, "/a.ts");
  assert.equal(edit.hunks.length, 1);
  const multi = fileChange("MultiEdit", {
    file_path: "/b.ts",
    edits: [
      { old_string: "a", new_string: "b" },
      { old_string: "c", new_string: "d" },
      "junk",
    ],
  });
  assert.ok(multi?.kind === "edit");
  assert.equal(multi.hunks.length, 2);
  const write = fileChange("Write", {
    file_path: "/c.md",
    content: "1\n2\n3\n",
  });
  assert.deepEqual(write, {
    kind: "write",
    path: "/c.md",
    lines: 3,
    content: "1\n2\n3\n",
  });
  assert.equal(fileChange("Read", { file_path: "/a" }), null);
  assert.equal(fileChange("Edit", { file_path: "/a" }), null);
  assert.equal(countLines(""), 0);
  assert.equal(countLines("one"), 1);
});
