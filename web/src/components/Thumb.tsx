import { useState } from 'react';
import { thumbnailUrl } from '../api';

/** A thumbnail from the cache; private photos stay blurred until clicked. Fixed box: no layout jumps. */
export function Thumb(props: { sha1?: string; alt: string; private?: boolean; size?: number; src?: string }) {
  const [revealed, setRevealed] = useState(false);
  const [failed, setFailed] = useState(false);
  const size = props.size ?? 200;
  const blurred = props.private && !revealed;
  return (
    <div
      className={`thumb${blurred ? ' blurred' : ''}`}
      style={{ width: size, height: size }}
      onClick={(e) => {
        if (blurred) {
          e.preventDefault();
          e.stopPropagation();
          setRevealed(true);
        }
      }}
      title={blurred ? 'private photo: click to show' : props.alt}
    >
      {props.sha1 && !failed ? (
        <img
          src={thumbnailUrl(props.sha1)}
          alt={props.alt}
          loading="lazy"
          width={size}
          height={size}
          onError={() => setFailed(true)}
        />
      ) : (
        <span className="no-thumb">no thumbnail</span>
      )}
      {blurred && <span className="private-label">private · click to show</span>}
    </div>
  );
}
